// scheduled_task: Task Scheduler 2.0 (ITaskService) for each task of the root folder: it exists,
// is enabled, runs as the expected account, and its last run succeeded.
#include "credwatch/platform/win_util.hpp"
#include "windows_checks.hpp"

// After windows.h (win_util.hpp).
#include <objbase.h>
#include <oleauto.h>
#include <sddl.h>
#include <taskschd.h>

#include <cstdio>

namespace credwatch::checks::detail {

namespace {

// Defined here rather than taken from libtaskschd, which not every mingw-w64 ships.
constexpr CLSID kTaskSchedulerClsid = {
    0x0f87369f, 0xa4e5, 0x4cfc, {0xbd, 0x3e, 0x73, 0xe6, 0x15, 0x45, 0x72, 0xdd}};
constexpr IID kTaskServiceIid = {
    0x2faba4c7, 0x4da9, 0x4013, {0x96, 0x97, 0x20, 0xcc, 0x3f, 0xd4, 0x0f, 0x85}};

constexpr HRESULT kTaskRunning = 0x00041301;    // SCHED_S_TASK_RUNNING
constexpr HRESULT kTaskHasNotRun = 0x00041303;  // SCHED_S_TASK_HAS_NOT_RUN

// COM once per thread: the apartment lives until the thread ends. A thread already in another
// apartment (RPC_E_CHANGED_MODE) can still make the calls.
struct ComApartment {
    HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    ~ComApartment() {
        if (SUCCEEDED(hr)) CoUninitialize();
    }
    bool usable() const { return SUCCEEDED(hr) || hr == RPC_E_CHANGED_MODE; }
};

template <class T>
class ComPtr {
  public:
    ComPtr() = default;
    ~ComPtr() { reset(); }
    ComPtr(const ComPtr&) = delete;
    ComPtr& operator=(const ComPtr&) = delete;
    T* operator->() const { return pointer_; }
    T* get() const { return pointer_; }
    T** put() {
        reset();
        return &pointer_;
    }
    void reset() {
        if (pointer_) pointer_->Release();
        pointer_ = nullptr;
    }

  private:
    T* pointer_ = nullptr;
};

class Bstr {
  public:
    Bstr() = default;
    explicit Bstr(const std::wstring& text) : value_(SysAllocString(text.c_str())) {}
    ~Bstr() { SysFreeString(value_); }
    Bstr(const Bstr&) = delete;
    Bstr& operator=(const Bstr&) = delete;
    BSTR get() const { return value_; }
    BSTR* put() {
        SysFreeString(value_);
        value_ = nullptr;
        return &value_;
    }
    std::wstring text() const { return value_ ? std::wstring(value_) : std::wstring(); }

  private:
    BSTR value_ = nullptr;
};

std::string hresult_text(HRESULT hr) {
    char code[16];
    std::snprintf(code, sizeof code, "0x%08lX", static_cast<unsigned long>(hr));
    return std::string(code) + " (" + win::error_text(static_cast<DWORD>(hr)) + ")";
}

// "PC\OqsComApp" and "OqsComApp" are the same account; a principal given as a SID is named by
// LookupAccountSidW.
std::wstring account_name(const std::wstring& user_id) {
    std::wstring name = user_id;
    if (name.rfind(L"S-1-", 0) == 0) {
        PSID sid = nullptr;
        if (ConvertStringSidToSidW(name.c_str(), &sid)) {
            win::LocalPtr<void> owned(sid);
            wchar_t account[256], domain[256];
            DWORD account_size = 256, domain_size = 256;
            SID_NAME_USE use;
            if (LookupAccountSidW(nullptr, sid, account, &account_size, domain, &domain_size, &use))
                name = account;
        }
    }
    const auto slash = name.find_last_of(L"\\");
    return slash == std::wstring::npos ? name : name.substr(slash + 1);
}

struct TaskFindings {
    std::vector<std::string> problems;  // in English and Japanese, paired
    std::vector<std::string> problems_ja;
    std::vector<std::string> never_run;
    std::vector<std::string> fine;
    std::vector<std::string> unchecked;
    std::vector<std::string> unchecked_ja;
    void cannot(std::string en, std::string ja) {
        unchecked.push_back(std::move(en));
        unchecked_ja.push_back(std::move(ja));
    }
};

void inspect_task(ITaskFolder& folder, const std::string& name, const std::wstring& run_as,
                  TaskFindings& out) {
    ComPtr<IRegisteredTask> task;
    const Bstr path(win::widen(name));
    HRESULT hr = folder.GetTask(path.get(), task.put());
    if (hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) ||
        hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND)) {
        out.problems.push_back(name + " is not registered");
        out.problems_ja.push_back(name + " が登録されていません");
        return;
    }
    if (FAILED(hr) || !task.get()) {
        out.cannot(name + ": GetTask " + hresult_text(hr), name + ": GetTask " + hresult_text(hr));
        return;
    }
    VARIANT_BOOL enabled = VARIANT_FALSE;
    if (SUCCEEDED(task->get_Enabled(&enabled)) && enabled == VARIANT_FALSE) {
        out.problems.push_back(name + " is disabled");
        out.problems_ja.push_back(name + " が無効になっています");
        return;
    }
    std::wstring user;
    ComPtr<ITaskDefinition> definition;
    ComPtr<IPrincipal> principal;
    Bstr user_id;
    if (SUCCEEDED(task->get_Definition(definition.put())) && definition.get() &&
        SUCCEEDED(definition->get_Principal(principal.put())) && principal.get() &&
        SUCCEEDED(principal->get_UserId(user_id.put())))
        user = user_id.text();
    if (!run_as.empty()) {
        if (user.empty()) {
            out.cannot(name + ": the account it runs as cannot be read",
                       name + ": 実行ユーザーを読み取れません");
            return;
        }
        if (!equal_ignoring_case(account_name(user), account_name(run_as))) {
            out.problems.push_back(name + " runs as " + win::narrow(user) + ", not " +
                                   win::narrow(run_as));
            out.problems_ja.push_back(name + " の実行ユーザーが " + win::narrow(user) + " です（" +
                                      win::narrow(run_as) + " ではありません）");
            return;
        }
    }
    LONG last = 0;
    hr = task->get_LastTaskResult(&last);
    if (FAILED(hr)) {
        out.cannot(name + ": LastTaskResult " + hresult_text(hr),
                   name + ": 前回の実行結果を読み取れません " + hresult_text(hr));
        return;
    }
    if (last == kTaskHasNotRun) {
        out.never_run.push_back(name);
        return;
    }
    if (last != S_OK && last != kTaskRunning) {
        out.problems.push_back(name + " last ended with " + hresult_text(last));
        out.problems_ja.push_back(name + " の前回の実行結果が " + hresult_text(last) + " です");
        return;
    }
    out.fine.push_back(name);
}

}  // namespace

CheckResult run_scheduled_task(const CheckDefinition& check) {
    thread_local ComApartment apartment;
    const auto tasks = check.params.list_or_empty("tasks");
    const std::wstring run_as = win::widen(check.params.text_or("run_as", ""));
    if (!apartment.usable())
        return result(CheckState::cannot_check,
                      "COM を初期化できません: " + hresult_text(apartment.hr),
                      "COM cannot be initialised: " + hresult_text(apartment.hr));
    ComPtr<ITaskService> service;
    HRESULT hr = CoCreateInstance(kTaskSchedulerClsid, nullptr, CLSCTX_INPROC_SERVER,
                                  kTaskServiceIid, reinterpret_cast<void**>(service.put()));
    VARIANT empty;
    VariantInit(&empty);
    if (SUCCEEDED(hr)) hr = service->Connect(empty, empty, empty, empty);
    ComPtr<ITaskFolder> root;
    if (SUCCEEDED(hr)) {
        const Bstr backslash(L"\\");
        hr = service->GetFolder(backslash.get(), root.put());
    }
    if (FAILED(hr) || !root.get())
        return result(CheckState::cannot_check,
                      "タスク スケジューラに接続できません: " + hresult_text(hr),
                      "cannot connect to the Task Scheduler: " + hresult_text(hr));
    TaskFindings found;
    for (const auto& name : tasks) inspect_task(*root.get(), name, run_as, found);

    const std::string who = run_as.empty() ? "" : win::narrow(run_as);
    if (!found.problems.empty()) {
        std::string ja = join_names(found.problems_ja), en = join_names(found.problems);
        if (!found.unchecked.empty()) {
            ja += "。確認できないもの: " + join_names(found.unchecked_ja);
            en += "; cannot check: " + join_names(found.unchecked);
        }
        return result(problem_state(check.severity), ja + "。", en + ".");
    }
    if (!found.unchecked.empty())
        return result(CheckState::cannot_check, "確認できません: " + join_names(found.unchecked_ja),
                      "cannot check: " + join_names(found.unchecked));
    const std::string as_ja = who.empty() ? "" : "、実行ユーザー " + who;
    const std::string as_en = who.empty() ? "" : ", run as " + who;
    if (!found.never_run.empty())
        return result(CheckState::warning,
                      "登録・有効" + as_ja + "ですが、まだ一度も実行されていません: " +
                          join_names(found.never_run) + "。",
                      "registered and enabled" + as_en +
                          ", but never run yet: " + join_names(found.never_run) + ".");
    return result(
        CheckState::ok,
        join_names(found.fine) + ": 登録・有効" + as_ja + "、前回の実行は正常です。",
        join_names(found.fine) + ": registered, enabled" + as_en + ", the last run succeeded.");
}

}  // namespace credwatch::checks::detail
