// GUI test of credwatch-tray: the real app (credwatch_tray_app) in a real X session (Xvfb),
// talking to a real credwatch-service with a fixture database (tests/integration/tray_gui.sh
// starts both). The status window's buttons and rows are clicked with wxUIActionSimulator,
// which sends real pointer events through the X server (XTest); the confirmation dialogs the
// clicks open are answered with wxTEST_DIALOG. Every outcome is read back from the service.
//
// Environment: CREDWATCH_TEST_DATA_DIR (the service's data directory),
// CREDWATCH_TEST_CHECK_PORT (the loopback port the fixture's site file points the service's
// tcp-mio-443 check at; tray_checks_site.sh tunes every network check to loopback or off),
// CREDWATCH_TEST_SERVICE_PID (POSIX: stopped by the last test to check the disconnected state;
// on Windows the test finds the process behind the pipe),
// CREDWATCH_TEST_USER_CERT (Windows, under Wine: a DER certificate put into CurrentUser\My
// before the tray starts, where the POSIX fixture uses ~/.credwatch/certificates).

#define wxTEST_DIALOG_HOOK_CLASS GTestModalHook

// Before wx: on Windows, Asio's winsock2.h must come before windows.h.
#include <boost/asio/ip/tcp.hpp>

#include "cert_factory.hpp"
#include "checks_frame.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"
#include "tray_app.hpp"

#include <wx/checkbox.h>
#include <wx/config.h>
#include <wx/stattext.h>
#include <wx/testing.h>
#include <wx/textctrl.h>
#include <wx/uiaction.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>

#ifdef _WIN32
#include <windows.h>

#include <wincrypt.h>
#endif
#include <optional>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace credwatch;
using namespace credwatch::tray;
using namespace std::chrono_literals;

// Dialog expectations that fail the running test instead of raising a wx assertion.
class GTestModalHook : public wxTestingModalHook {
  public:
    GTestModalHook(const char* file, int line, const char* func)
        : wxTestingModalHook(file, line, func) {}

  protected:
    void ReportFailure(const wxString& message) override { ADD_FAILURE() << message.utf8_str(); }
};

namespace {

int g_result = 1;
int g_dialogs_answered = 0;  // by ExpectMessage and ExpectChoice, to wait for a click's dialog

// A message box whose text contains `fragment`, answered with `answer` (wxYES, wxOK, ...).
class ExpectMessage : public wxExpectModalBase<wxMessageDialog, ExpectMessage> {
  public:
    ExpectMessage(int answer, std::string fragment)
        : answer_(answer == wxYES  ? wxID_YES
                  : answer == wxNO ? wxID_NO
                                   : wxID_OK),
          fragment_(std::move(fragment)) {}

  protected:
    int OnInvoked(wxMessageDialog* dialog) const override {
        const std::string text = u8(dialog->GetMessage());
        EXPECT_NE(text.find(fragment_), std::string::npos)
            << "message box \"" << text << "\" lacks \"" << fragment_ << "\"";
        ++g_dialogs_answered;
        return answer_;
    }
    wxString GetDefaultDescription() const override {
        return wx("a message box with \"" + fragment_ + "\"");
    }

  private:
    int answer_;
    std::string fragment_;
};

// A single-choice dialog (snooze length, certificate kind): picks the entry at `index`.
class ExpectChoice : public wxExpectModalBase<wxSingleChoiceDialog, ExpectChoice> {
  public:
    explicit ExpectChoice(int index, std::string title_fragment)
        : index_(index), title_(std::move(title_fragment)) {}

  protected:
    int OnInvoked(wxSingleChoiceDialog* dialog) const override {
        EXPECT_NE(u8(dialog->GetTitle()).find(title_), std::string::npos)
            << "choice dialog \"" << u8(dialog->GetTitle()) << "\"";
        dialog->SetSelection(index_);
        ++g_dialogs_answered;
        return wxID_OK;
    }
    wxString GetDefaultDescription() const override {
        return wx("a choice dialog titled \"" + title_ + "\"");
    }

  private:
    int index_;
    std::string title_;
};

TrayApp& app() {
    return *static_cast<TrayApp*>(wxApp::GetInstance());
}

std::filesystem::path data_dir() {
    return app().options().data_dir;
}

// Runs the event loop for `duration`.
void pump(std::chrono::milliseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    do {
        wxYield();
        wxMilliSleep(10);
    } while (std::chrono::steady_clock::now() < end);
}

// Runs the event loop until `done()` or the timeout; returns done().
template <class Predicate>
bool wait_until(Predicate done, std::chrono::seconds timeout = 20s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return done();
        wxYield();
        wxMilliSleep(20);
    }
    return true;
}

void click_at(wxPoint screen) {
    wxUIActionSimulator sim;
    sim.MouseMove(screen);
    pump(80ms);
    sim.MouseClick();
    pump(150ms);
}

void click(wxWindow* window) {
    ASSERT_NE(window, nullptr);
    ASSERT_TRUE(window->IsShownOnScreen()) << u8(window->GetName());
    ASSERT_TRUE(window->IsEnabled()) << u8(window->GetName()) << " is greyed out";
    const wxRect r = window->GetScreenRect();
    click_at(r.GetPosition() + wxSize(r.width / 2, r.height / 2));
}

StatusFrame* status_frame() {
    for (wxWindow* w : wxTopLevelWindows)
        if (auto* f = dynamic_cast<StatusFrame*>(w)) return f;
    return nullptr;
}

template <class T = wxWindow>
T* widget(const char* name) {
    StatusFrame* frame = status_frame();
    if (!frame) return nullptr;
    return dynamic_cast<T*>(wxWindow::FindWindowByName(name, frame));
}

json::object service(std::string_view method, json::object params = {}) {
    auto reply = ServiceConnection::request(data_dir(), method, std::move(params));
    EXPECT_TRUE(reply) << method << ": " << (reply ? "" : reply.error().message);
    if (!reply || !reply->is_object()) return {};
    return reply->as_object();
}

std::optional<json::object> service_row(const std::string& credential) {
    const json::object status = service("status");
    if (const auto* rows = status.if_contains("credentials"); rows && rows->is_array())
        for (const auto& row : rows->as_array())
            if (row.is_object() && string_field(row.as_object(), "id") == credential)
                return row.as_object();
    return std::nullopt;
}

std::optional<json::object> reminder_for(const std::string& credential, bool all = false) {
    const json::object reply = service("reminders", {{"all", all}});
    std::optional<json::object> found;
    if (const auto* list = reply.if_contains("reminders"); list && list->is_array())
        for (const auto& r : list->as_array())
            if (r.is_object() && string_field(r.as_object(), "credential") == credential)
                found = r.as_object();  // the newest one wins
    return found;
}

std::string today_text() {
    return format_date(local_date(std::chrono::system_clock::now()));
}

// Scrolls `item` into view, clicks it and waits until the list reports it selected.
void click_row(wxListCtrl* list, long item) {
    list->EnsureVisible(item);  // Windows lists the machine's root CAs too: it may be far down
    // The native list may still be scrolling: click once the row stays put for 100 ms.
    wxRect rect, before;
    ASSERT_TRUE(list->GetItemRect(item, rect, wxLIST_RECT_LABEL));
    for (int i = 0; i < 20 && rect != before; ++i) {
        before = rect;
        pump(100ms);
        ASSERT_TRUE(list->GetItemRect(item, rect, wxLIST_RECT_LABEL));
    }
    ASSERT_TRUE(list->GetClientRect().Contains(rect.GetPosition() + wxSize(8, 2)))
        << "the row is not visible";
    click_at(list->ClientToScreen(wxPoint(rect.x + 8, rect.y + rect.height / 2)));
    ASSERT_TRUE(
        wait_until([&] { return list->GetItemState(item, wxLIST_STATE_SELECTED) != 0; }, 5s))
        << "clicking row " << item << " did not select it";
}

// Clicks the row of `credential` in the status window's table (found by the texts the view
// model gives its system and credential cells) and waits until the frame reports it selected.
void click_credential_row(const std::string& credential) {
    auto* list = widget<wxListCtrl>("credentials");
    ASSERT_NE(list, nullptr);
    const CredentialView* row = find_credential(app().snapshot(), credential);
    ASSERT_NE(row, nullptr) << credential << " is not in the tray's snapshot";
    long item = -1;
    for (long i = 0; i < list->GetItemCount(); ++i)
        if (u8(list->GetItemText(i, 0)) == cell_text(*row, Column::system) &&
            u8(list->GetItemText(i, 1)) == cell_text(*row, Column::credential))
            item = i;
    ASSERT_GE(item, 0) << credential << " has no row in the table";
    ASSERT_NO_FATAL_FAILURE(click_row(list, item)) << credential;
}

void settle_startup_prompts();

void open_status_window() {
    ASSERT_TRUE(wait_until([] { return app().snapshot().connected; }, 30s))
        << "the tray never reached the service: " << app().snapshot().error;
    ASSERT_NO_FATAL_FAILURE(settle_startup_prompts());
    app().open_status();
    ASSERT_TRUE(wait_until([] { return status_frame() && status_frame()->IsShownOnScreen(); }))
        << "the status window did not appear";
    auto* pages = widget<wxNotebook>("pages");
    ASSERT_NE(pages, nullptr);
    pages->SetSelection(0);
    pump(300ms);
}

// Stops the service under the tray's feet. POSIX: SIGTERM to the pid the script gives. Windows:
// the process serving the data directory's pipe is terminated (under Wine the script cannot
// know its Windows process id).
::testing::AssertionResult stop_service() {
#ifdef _WIN32
    const std::wstring pipe = platform::from_utf8(platform::ipc_endpoint(data_dir())).wstring();
    HANDLE client = ::CreateFileW(pipe.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                  OPEN_EXISTING, 0, nullptr);
    if (client == INVALID_HANDLE_VALUE)
        return ::testing::AssertionFailure() << "cannot open the service's pipe";
    ULONG pid = 0;
    const BOOL known = ::GetNamedPipeServerProcessId(client, &pid);
    ::CloseHandle(client);
    if (!known) return ::testing::AssertionFailure() << "GetNamedPipeServerProcessId failed";
    HANDLE process = ::OpenProcess(PROCESS_TERMINATE, FALSE, pid);
    if (!process) return ::testing::AssertionFailure() << "cannot open process " << pid;
    const BOOL ended = ::TerminateProcess(process, 1);
    ::CloseHandle(process);
    if (!ended) return ::testing::AssertionFailure() << "TerminateProcess failed";
    return ::testing::AssertionSuccess();
#else
    const char* pid = std::getenv("CREDWATCH_TEST_SERVICE_PID");
    if (!pid) return ::testing::AssertionFailure() << "CREDWATCH_TEST_SERVICE_PID is not set";
    if (::kill(static_cast<pid_t>(std::atol(pid)), SIGTERM) != 0)
        return ::testing::AssertionFailure() << "kill " << pid << " failed";
    return ::testing::AssertionSuccess();
#endif
}

// The service certificate candidates main() puts where the tray reads the user's certificates:
// a Soliton-like chain (a private CA issuing a client certificate whose CN carries the account)
// and a decoy client certificate of another CA, valid longer so that it is asked about first.
constexpr const char* kServiceCertCn = "04500001 \u4f50\u85e4 \u82b1\u5b50";
constexpr const char* kDecoyCn = "decoy client";
const TimePoint kServiceCertNotAfter = test::utc(2027, 3, 14, 12);
const TimePoint kDecoyNotAfter = test::utc(2028, 6, 1, 12);

// A top-level window of the tray by name, shown (Destroy() only hides until idle time).
template <class T = wxWindow>
T* shown_window(const char* name) {
    for (wxWindow* w : wxTopLevelWindows)
        if (w->GetName() == name && w->IsShown()) return dynamic_cast<T*>(w);
    return nullptr;
}

template <class T = wxWindow>
T* child(wxWindow* parent, const std::string& name) {
    return parent ? dynamic_cast<T*>(wxWindow::FindWindowByName(wx(name), parent)) : nullptr;
}

bool service_says_privileged() {
    const json::object hello = service("hello");
    const auto* p = hello.if_contains("privileged");
    return p && p->is_bool() && p->as_bool();
}

// The start-up prompts the tray shows once it is connected: offered, and, for a test that is not
// about them, put away ("Not now" / "Later") so that nothing covers the status window.
// What they showed at start-up is kept for the tests about them.
bool g_first_run_at_start = false;
std::string g_first_candidate_at_start;  // the subject of the first certificate asked about

std::string label_of(wxWindow* parent, const char* name);

void settle_startup_prompts() {
    ASSERT_TRUE(wait_until([] { return app().startup_prompts_offered(); }, 30s))
        << "the tray did not offer its start-up prompts";
    pump(200ms);
    for (int i = 0; i < 10; ++i) {
        wxWindow* first_run = shown_window("first-run");
        wxWindow* candidate = shown_window("candidate-prompt");
        if (!first_run && !candidate) return;
        if (first_run) {
            g_first_run_at_start = true;
            first_run->Close();  // "Not now"
        }
        if (candidate) {
            if (g_first_candidate_at_start.empty())
                g_first_candidate_at_start = label_of(candidate, "subject");
            candidate->Close();  // "Later"
        }
        pump(300ms);
    }
}

std::string label_of(wxWindow* parent, const char* name) {
    auto* text = child<wxStaticText>(parent, name);
    return text ? u8(text->GetLabel()) : std::string();
}

// --- the 接続チェック window ---

ChecksFrame* checks_frame() {
    for (wxWindow* w : wxTopLevelWindows)
        if (auto* f = dynamic_cast<ChecksFrame*>(w)) return f;
    return nullptr;
}

template <class T = wxWindow>
T* checks_widget(const char* name) {
    ChecksFrame* frame = checks_frame();
    if (!frame) return nullptr;
    return dynamic_cast<T*>(wxWindow::FindWindowByName(name, frame));
}

// Opens it as the menu does and waits for the service's answers.
void open_checks_window() {
    ASSERT_TRUE(wait_until([] { return app().snapshot().connected; }, 30s))
        << "the tray never reached the service: " << app().snapshot().error;
    // The service's first run (at start-up) is over: the window and the test see one result.
    ASSERT_TRUE(
        wait_until([] { return !string_field(service("checks"), "last_run").empty(); }, 60s))
        << "the service never ran its checks";
    MenuItem item;
    item.action = MenuAction::open_checks;
    app().perform(item);
    ASSERT_TRUE(wait_until([] { return checks_frame() && checks_frame()->IsShownOnScreen(); }))
        << "the connection checks window did not appear";
    ASSERT_TRUE(wait_until([] { return checks_frame()->pending() == 0; }, 30s))
        << "the service did not answer checks/symptoms";
    pump(200ms);
}

// The row of the window's check list whose title is the service's title of `id`; -1 if none.
long check_row(const std::string& id) {
    auto* list = checks_widget<wxListCtrl>("checks");
    const ChecksView& view = checks_frame()->view();
    for (std::size_t i = 0; i < view.checks.size(); ++i)
        if (view.checks[i].id == id && static_cast<long>(i) < list->GetItemCount() &&
            u8(list->GetItemText(static_cast<long>(i), 1)) == view.checks[i].title)
            return static_cast<long>(i);
    return -1;
}

std::string service_check_state(const std::string& id) {
    const json::object reply = service("checks");
    if (const auto* list = reply.if_contains("checks"); list && list->is_array())
        for (const auto& c : list->as_array())
            if (string_field(c.as_object(), "id") == id)
                return string_field(c.as_object(), "state");
    return "(not reported)";
}

// Presses 再チェック until the service's run (not the throttle's answer) shows tcp-mio-443 in
// `state`; a run within 30 s of the last one is answered from the last results.
::testing::AssertionResult recheck_until(CheckState state) {
    const auto end = std::chrono::steady_clock::now() + 75s;
    while (std::chrono::steady_clock::now() < end) {
        auto* button = checks_widget<wxButton>("recheck");
        if (!button || !button->IsEnabled()) {
            pump(200ms);
            continue;
        }
        click(button);
        wait_until([] { return checks_frame()->pending() == 0; }, 40s);
        const long row = check_row("tcp-mio-443");
        if (row >= 0 && u8(checks_widget<wxListCtrl>("checks")->GetItemText(row, 0)) ==
                            check_state_label(state))
            return ::testing::AssertionSuccess();
        if (!checks_frame()->view().throttled)
            return ::testing::AssertionFailure()
                   << "a run that was not throttled left tcp-mio-443 "
                   << (row >= 0 ? u8(checks_widget<wxListCtrl>("checks")->GetItemText(row, 0))
                                : std::string("unlisted"));
        pump(5s);  // the throttle's 30 s
    }
    return ::testing::AssertionFailure() << "tcp-mio-443 never became " << to_string(state);
}
}  // namespace

TEST(TrayGui, TheIssuanceHistoryListsTheLedgerRows) {
    ASSERT_NO_FATAL_FAILURE(settle_startup_prompts());
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    click(widget("ledger"));
    wxListCtrl* list = nullptr;
    ASSERT_TRUE(wait_until([&] {
        wxWindow* frame = shown_window("issuance-ledger");
        list = child<wxListCtrl>(frame, "issuances");
        return list && list->GetItemCount() > 0;
    })) << "the issuance history shows no row";
    // The fixture stated 5 issued: a "Stated" row with the total and one left of six.
    bool stated = false;
    for (long i = 0; i < list->GetItemCount(); ++i)
        if (u8(list->GetItemText(i, 1)) == "Stated" && u8(list->GetItemText(i, 4)) == "5" &&
            u8(list->GetItemText(i, 5)) == "1")
            stated = true;
    EXPECT_TRUE(stated) << "no stated row 5, 1 left";
    EXPECT_EQ(static_cast<std::size_t>(list->GetItemCount()),
              service("issuances").at("issuances").as_array().size());
    shown_window("issuance-ledger")->Close();
    pump(200ms);
}

TEST(TrayGui, StatusWindowListsWhatTheServiceTracks) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    auto* list = widget<wxListCtrl>("credentials");
    ASSERT_NE(list, nullptr);
    const json::object status = service("status");
    ASSERT_TRUE(status.contains("credentials"));
    EXPECT_EQ(static_cast<std::size_t>(list->GetItemCount()),
              status.at("credentials").as_array().size());
    // Nothing is selected yet: every action button is greyed out.
    for (const char* name : {"record", "issued", "acknowledge", "snooze"})
        EXPECT_FALSE(widget(name)->IsEnabled()) << name;
}

// "To record" is a to-do: its count stands above the table (and in the menu), as the service
// counts the credentials in state unknown.
TEST(TrayGui, TheStatusWindowCountsWhatIsStillToRecord) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    const json::object status = service("status");
    ASSERT_TRUE(status.contains("credentials"));
    int unknown = 0;
    for (const auto& row : status.at("credentials").as_array())
        if (string_field(row.as_object(), "state") == "unknown") ++unknown;
    ASSERT_TRUE(wait_until([&] { return to_record_count(app().snapshot()) == unknown; }));
    auto* label = widget<wxStaticText>("to-record");
    ASSERT_NE(label, nullptr);
    EXPECT_EQ(label->IsShown(), unknown > 0);
    if (unknown > 0) {
        EXPECT_EQ(u8(label->GetLabel()), to_record_label(app().snapshot()));
        EXPECT_NE(u8(label->GetLabel()).find(std::to_string(unknown)), std::string::npos);
        EXPECT_NE(dump_menu(build_menu(app().snapshot())).find(u8(label->GetLabel())),
                  std::string::npos);
    }
}

TEST(TrayGui, AcknowledgeButtonAcknowledgesTheReminder) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    const auto before = reminder_for("gtol/user-password");
    ASSERT_TRUE(before) << "the fixture's expired GTOL password raised no reminder";
    const std::int64_t id = before->at("id").as_int64();

    ASSERT_NO_FATAL_FAILURE(click_credential_row("gtol/user-password"));
    EXPECT_TRUE(widget("record")->IsEnabled()) << "a password row can be recorded";
    click(widget("acknowledge"));
    ASSERT_TRUE(wait_until([&] { return !reminder_for("gtol/user-password"); }))
        << "the reminder is still active after pressing Acknowledge";
    const auto after = reminder_for("gtol/user-password", true);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->at("id").as_int64(), id);
    EXPECT_FALSE(string_field(*after, "acknowledged_at").empty());
    // The tray refreshed: no open reminder for the row, so both reminder buttons grey out.
    EXPECT_TRUE(wait_until([] { return !widget("acknowledge")->IsEnabled(); }, 5s));
    EXPECT_FALSE(widget("snooze")->IsEnabled());
}

TEST(TrayGui, SnoozeButtonHidesTheReminderForTheChosenDays) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    const auto before = reminder_for("cancer-registry/user-password");
    ASSERT_TRUE(before) << "the fixture's password due in 10 days raised no reminder";

    ASSERT_NO_FATAL_FAILURE(click_credential_row("cancer-registry/user-password"));
    const auto press = [] {
        click(widget("snooze"));
        wait_until([] { return !reminder_for("cancer-registry/user-password"); }, 10s);
    };
    wxTEST_DIALOG(press(), ExpectChoice(2, "Snooze"));  // 1, 3, [7], 14 days
    EXPECT_FALSE(reminder_for("cancer-registry/user-password")) << "still active";
    const auto after = reminder_for("cancer-registry/user-password", true);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->at("id").as_int64(), before->at("id").as_int64());
    const std::string until = string_field(*after, "snoozed_until");
    const std::string in_six_days =
        format_date(local_date(std::chrono::system_clock::now() + std::chrono::days(6)));
    const std::string in_eight_days =
        format_date(local_date(std::chrono::system_clock::now() + std::chrono::days(8)));
    // An instant in UTC: local midnight seven days on falls between these two dates.
    EXPECT_GE(until, in_six_days) << until;
    EXPECT_LT(until, in_eight_days) << until;
}

TEST(TrayGui, RecordChangeButtonRecordsTodayAfterConfirmation) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    ASSERT_NO_FATAL_FAILURE(click_credential_row("cancer-registry/user-password"));
    // Answering No records nothing.
    const auto press = [] {
        const int before = g_dialogs_answered;
        click(widget("record"));
        wait_until([&] { return g_dialogs_answered > before; }, 10s);
    };
    wxTEST_DIALOG(press(), ExpectMessage(wxNO, "was changed today"));
    EXPECT_NE(string_field(*service_row("cancer-registry/user-password"), "renewed_on"),
              today_text());

    const auto press_and_wait = [] {
        click(widget("record"));
        wait_until([] {
            return string_field(*service_row("cancer-registry/user-password"), "renewed_on") ==
                   today_text();
        });
    };
    wxTEST_DIALOG(press_and_wait(), ExpectMessage(wxYES, "was changed today"),
                  ExpectMessage(wxOK, "Recorded. Next deadline"));
    const auto row = service_row("cancer-registry/user-password");
    ASSERT_TRUE(row);
    EXPECT_EQ(string_field(*row, "renewed_on"), today_text());
    EXPECT_EQ(string_field(*row, "state"), "ok");
    EXPECT_EQ(int_field(*row, "days_left").value_or(-1), 60);
    // The table shows the new deadline.
    EXPECT_TRUE(wait_until([] {
        const CredentialView* r =
            find_credential(app().snapshot(), "cancer-registry/user-password");
        return r && r->days_left == 60;
    }));
}

TEST(TrayGui, IssuedButtonCountsTheLastIssuanceAndWarnsTheQuotaIsGone) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    const auto before = service_row("cancer-registry/certificate-issuance");
    ASSERT_TRUE(before);
    ASSERT_EQ(int_field(*before, "issued").value_or(-1), 5);

    ASSERT_NO_FATAL_FAILURE(click_credential_row("cancer-registry/certificate-issuance"));
    EXPECT_FALSE(widget("record")->IsEnabled()) << "an issuance quota has no change to record";
    const auto press = [] {
        click(widget("issued"));
        wait_until([] {
            return int_field(*service_row("cancer-registry/certificate-issuance"), "issued") == 6;
        });
    };
    wxTEST_DIALOG(press(), ExpectMessage(wxYES, "Issued so far: 5/6"),
                  ExpectMessage(wxOK, "No issuance is left"));
    const auto after = service_row("cancer-registry/certificate-issuance");
    ASSERT_TRUE(after);
    EXPECT_EQ(int_field(*after, "issued").value_or(-1), 6);
    EXPECT_EQ(string_field(*after, "state"), "quota_exhausted");
}

// "No" is remembered and never asked again; "Later" is asked again; "Yes" binds the certificate
// and the status shows its deadline. After the issuance tests: a bound service certificate is
// an issuance of the clinic's quota (docs/issuances.md).
TEST(TrayGui, TheCandidatePromptRemembersNoAndYesBindsTheServiceCertificate) {
    ASSERT_NO_FATAL_FAILURE(settle_startup_prompts());
    EXPECT_NE(g_first_candidate_at_start.find(kDecoyCn), std::string::npos)
        << "no candidate prompt after the tray reported the certificates: \""
        << g_first_candidate_at_start << "\"";
    wxWindow* prompt = nullptr;
    const auto next_prompt = [&] {
        return wait_until([&] { return (prompt = shown_window("candidate-prompt")) != nullptr; });
    };
    app().ask_about_candidates();  // as at the next start: "Later" asks again
    ASSERT_TRUE(next_prompt()) << "no candidate prompt";
    EXPECT_NE(label_of(prompt, "question").find("Is this the Service-use certificate?"),
              std::string::npos)
        << label_of(prompt, "question");
    ASSERT_NE(label_of(prompt, "subject").find(kDecoyCn), std::string::npos)
        << "the longest-valid candidate first: " << label_of(prompt, "subject");
    EXPECT_NE(label_of(prompt, "validity").find(date_label(local_date(kDecoyNotAfter))),
              std::string::npos)
        << label_of(prompt, "validity");
    std::string decoy_sha;
    const json::object offered = service("candidates");
    for (const auto& k : offered.at("kinds").as_array())
        for (const auto& c : k.at("candidates").as_array())
            if (string_field(c.as_object(), "subject").find(kDecoyCn) != std::string::npos)
                decoy_sha = string_field(c.as_object(), "sha256");
    ASSERT_FALSE(decoy_sha.empty());
    prompt->Raise();
    pump(200ms);
    click(child(prompt, "no"));
    EXPECT_TRUE(declined_candidates().count(decoy_sha)) << "No is kept in the user's config";

    ASSERT_TRUE(next_prompt()) << "the second candidate was not asked about";
    ASSERT_NE(label_of(prompt, "subject").find(kServiceCertCn), std::string::npos)
        << label_of(prompt, "subject");
    prompt->Raise();
    pump(200ms);
    click(child(prompt, "later"));
    ASSERT_TRUE(wait_until([] { return !shown_window("candidate-prompt"); }));

    // Asked again (as at the next start): the declined one never, the postponed one again.
    app().ask_about_candidates();
    ASSERT_TRUE(next_prompt());
    ASSERT_NE(label_of(prompt, "subject").find(kServiceCertCn), std::string::npos)
        << "asked about a declined certificate: " << label_of(prompt, "subject");
    prompt->Raise();
    pump(200ms);
    const auto press = [&] {
        click(child(prompt, "yes"));
        wait_until([] { return !shown_window("candidate-prompt"); });
    };
    press();
    ASSERT_TRUE(wait_until([] { return !shown_window("candidate-prompt"); }));

    std::string tracked_as;
    const json::object inv = service("inventory");
    for (const auto& c : inv.at("certificates").as_array())
        if (string_field(c.as_object(), "subject").find(kServiceCertCn) != std::string::npos)
            tracked_as = string_field(c.as_object(), "tracked_as");
    ASSERT_FALSE(tracked_as.empty()) << "Yes did not bind the certificate";
    const auto row = service_row(tracked_as);
    ASSERT_TRUE(row);
    EXPECT_EQ(string_field(*row, "kind"), "service-certificate");
    const Date deadline = local_date(kServiceCertNotAfter);
    EXPECT_TRUE(wait_until([&] {
        const CredentialView* r = find_credential(app().snapshot(), tracked_as);
        return r && r->deadline_date == deadline;
    })) << "the tray does not show the certificate's deadline";
}

TEST(TrayGui, TrackAsButtonBindsTheUsersOwnCertificate) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    widget<wxNotebook>("pages")->SetSelection(1);  // reloads the inventory
    auto* inventory = widget<wxListCtrl>("inventory");
    ASSERT_NE(inventory, nullptr);
    long item = -1;
    ASSERT_TRUE(wait_until([&] {
        for (long i = 0; i < inventory->GetItemCount(); ++i)
            if (u8(inventory->GetItemText(i, 1)).find("山田 太郎") != std::string::npos) item = i;
        return item >= 0;
    })) << "the certificate in ~/.credwatch/certificates, reported by the tray, is not listed";
    const std::string location = u8(inventory->GetItemText(item, 0));
    EXPECT_FALSE(widget("bind")->IsEnabled()) << "nothing selected yet";

    ASSERT_NO_FATAL_FAILURE(click_row(inventory, item));
    ASSERT_TRUE(wait_until([&] { return widget("bind")->IsEnabled(); }, 5s))
        << "selecting an untracked certificate did not enable Track as";

    // The tray offers the catalog's certificate kinds in catalog order; take the first.
    std::vector<KindView> kinds;
    for (const auto& k : app().snapshot().kinds)
        if (k.rule == Rule::certificate_validity) kinds.push_back(k);
    ASSERT_FALSE(kinds.empty());
    const KindView kind = kinds.front();

    const auto press = [&] {
        click(widget("bind"));
        wait_until(
            [&] { return u8(inventory->GetItemText(item, 5)).find('/') != std::string::npos; });
    };
    wxTEST_DIALOG(press(), ExpectChoice(0, "Track a certificate"),
                  ExpectMessage(wxOK, "is now tracked as"));

    const json::object inv = service("inventory");
    std::string tracked_as;
    for (const auto& c : inv.at("certificates").as_array())
        if (string_field(c.as_object(), "subject").find("山田 太郎") != std::string::npos)
            tracked_as = string_field(c.as_object(), "tracked_as");
    ASSERT_FALSE(tracked_as.empty()) << "the service did not record the binding";
    const auto row = service_row(tracked_as);
    ASSERT_TRUE(row) << tracked_as << " is not tracked";
    EXPECT_EQ(string_field(*row, "system"), kind.system);
    EXPECT_EQ(string_field(*row, "kind"), kind.kind);
    EXPECT_EQ(u8(inventory->GetItemText(item, 0)), location);
    EXPECT_EQ(u8(inventory->GetItemText(item, 5)), tracked_as);
}

// As root (Linux) or an administrator (Windows) the tray's user is an administrator of the
// service: a fresh site with no [service] systems gets the first-run dialog once, at start-up
// (put away with "Not now" then, so that it covers nothing); shown again here as at the first
// start, after the other tests, whose fixture dates it changes.
TEST(TrayGui, TheFirstRunDialogSetsTheSitesSystemsAndWhatIsKnown) {
    ASSERT_TRUE(wait_until([] { return app().snapshot().connected; }, 30s));
    ASSERT_NO_FATAL_FAILURE(settle_startup_prompts());
    if (!service_says_privileged()) {
        EXPECT_FALSE(g_first_run_at_start) << "only an administrator is asked";
        GTEST_SKIP() << "the test's user is not an administrator of the service";
    }
    EXPECT_TRUE(g_first_run_at_start) << "no first-run dialog at start-up";
    bool asked = false;
    wxConfigBase::Get()->Read("/FirstRun/SystemsAsked", &asked, false);
    EXPECT_TRUE(asked) << "asked once: the tray remembers it";
    EXPECT_FALSE(app().offer_first_run({})) << "asked again";
    wxConfigBase::Get()->DeleteEntry("/FirstRun/SystemsAsked");  // as at the first start
    ASSERT_TRUE(app().offer_first_run({}));
    const int issued_before =
        int_field(*service_row("cancer-registry/certificate-issuance"), "issued").value_or(0);
    wxWindow* dialog = nullptr;
    ASSERT_TRUE(wait_until([&] { return (dialog = shown_window("first-run")) != nullptr; }))
        << "no first-run dialog for an administrator of a site without systems";
    auto* cancer = child<wxCheckBox>(dialog, "system:cancer-registry");
    auto* gtol = child<wxCheckBox>(dialog, "system:gtol");
    ASSERT_NE(cancer, nullptr);
    ASSERT_NE(gtol, nullptr);
    EXPECT_NE(child(dialog, "system:orca-cloud"), nullptr);
    EXPECT_NE(child(dialog, "system:online-eligibility"), nullptr);
    dialog->Raise();
    pump(200ms);
    click(cancer);
    ASSERT_TRUE(wait_until([&] { return cancer->GetValue(); }, 5s)) << "the click did not tick it";
    gtol->SetValue(true);
    const std::string changed_on =
        format_date(local_date(std::chrono::system_clock::now() - std::chrono::days(70)));
    auto* date = child<wxTextCtrl>(dialog, "changed:gtol/user-password");
    ASSERT_NE(date, nullptr);
    date->SetValue(wx(changed_on));
    auto* issued = child<wxTextCtrl>(dialog, "issued:cancer-registry/certificate-issuance");
    ASSERT_NE(issued, nullptr);
    issued->SetValue(wxString::Format("%d", issued_before + 1));  // the call centre's count
    click(child(dialog, "ok"));
    ASSERT_TRUE(wait_until([] { return !shown_window("first-run"); })) << "the dialog stayed";

    const json::object catalog = service("catalog");
    EXPECT_EQ(json::serialize(catalog.at("site_systems")), R"(["cancer-registry","gtol"])");
    std::ifstream in(data_dir() / "site.toml", std::ios::binary);
    const std::string site((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(site.find("systems"), std::string::npos) << site;
    EXPECT_NE(site.find("gtol"), std::string::npos) << site;
    EXPECT_EQ(string_field(*service_row("gtol/user-password"), "renewed_on"), changed_on);
    EXPECT_EQ(int_field(*service_row("cancer-registry/certificate-issuance"), "issued"),
              issued_before + 1);
    asked = false;
    wxConfigBase::Get()->Read("/FirstRun/SystemsAsked", &asked, false);
    EXPECT_TRUE(asked);
}

TEST(TrayGui, TheChecksWindowListsTheChecksTheServiceReports) {
    ASSERT_NO_FATAL_FAILURE(open_checks_window());
    const json::object reply = service("checks");
    ASSERT_TRUE(reply.contains("checks")) << json::serialize(reply);
    const json::array& checks = reply.at("checks").as_array();
    ASSERT_FALSE(checks.empty()) << "the service reports no check";
    auto* list = checks_widget<wxListCtrl>("checks");
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(static_cast<std::size_t>(list->GetItemCount()), checks.size());
    EXPECT_TRUE(list->IsEnabled());
    for (std::size_t i = 0; i < checks.size(); ++i) {
        const json::object& c = checks[i].as_object();
        const long row = static_cast<long>(i);
        const auto state = parse_check_state(string_field(c, "state"));
        ASSERT_TRUE(state) << json::serialize(c);
        EXPECT_EQ(u8(list->GetItemText(row, 0)), check_state_label(*state));
        const std::string user = string_field(c, "user");
        EXPECT_EQ(u8(list->GetItemText(row, 1)),
                  string_field(c, "title_en") + (user.empty() ? "" : " (session of " + user + ")"));
        EXPECT_EQ(u8(list->GetItemText(row, 2)), string_field(c, "evidence_en"));
        const bool problem = *state != CheckState::ok && *state != CheckState::not_applicable;
        // The fix and the manual for a check that is not ok, nothing for one that is.
        EXPECT_EQ(u8(list->GetItemText(row, 3)), problem ? string_field(c, "fix_en") : "")
            << string_field(c, "id");
        EXPECT_EQ(u8(list->GetItemText(row, 4)), problem ? string_field(c, "manual") : "")
            << string_field(c, "id");
    }
    EXPECT_GE(check_row("tcp-mio-443"), 0) << "the fixture's loopback check is listed";
    const std::string last_run = u8(checks_widget<wxStaticText>("checks-last-run")->GetLabel());
    if (!string_field(reply, "last_run").empty()) {
        EXPECT_NE(last_run.find("Last checked: "), std::string::npos) << last_run;
    }
    EXPECT_FALSE(checks_widget<wxStaticText>("checks-banner")->IsShown());
}

// The tray runs the checks of its user's session and reports them; the window lists them with
// the session's name, in the state the service kept.
TEST(TrayGui, TheChecksWindowShowsTheChecksOfThisUsersSession) {
    ASSERT_NO_FATAL_FAILURE(open_checks_window());
    const std::string me = platform::current_user();
    std::string kept_state;
    const json::object reply = service("checks");
    for (const auto& c : reply.at("checks").as_array())
        if (string_field(c.as_object(), "id") == "user-certificate-tray" &&
            string_field(c.as_object(), "user") == me)
            kept_state = string_field(c.as_object(), "state");
    ASSERT_FALSE(kept_state.empty()) << "the tray did not report its session's check as " << me;
    const ChecksView& view = checks_frame()->view();
    auto* list = checks_widget<wxListCtrl>("checks");
    long row = -1;
    for (std::size_t i = 0; i < view.checks.size(); ++i)
        if (view.checks[i].id == "user-certificate-tray" && view.checks[i].user == me)
            row = static_cast<long>(i);
    ASSERT_GE(row, 0) << "the window does not list the session's check";
    EXPECT_EQ(u8(list->GetItemText(row, 1)),
              "The user's certificate (test) (session of " + me + ")");
    EXPECT_EQ(u8(list->GetItemText(row, 0)),
              check_state_label(parse_check_state(kept_state).value_or(CheckState::cannot_check)));
#ifdef _WIN32
    // The store is real under Wine: no certificate has that subject, a recommended check warns.
    EXPECT_EQ(kept_state, "warning");
#else
    EXPECT_EQ(kept_state, "not_applicable") << "a Windows store, on Linux";
#endif
}

TEST(TrayGui, RecheckRunsTheChecksAndTheListShowsTheNewResults) {
    const char* port_text = std::getenv("CREDWATCH_TEST_CHECK_PORT");
    if (!port_text) GTEST_SKIP() << "CREDWATCH_TEST_CHECK_PORT is not set (tray_checks_site.sh)";
    const auto port = static_cast<unsigned short>(std::atoi(port_text));
    ASSERT_NO_FATAL_FAILURE(open_checks_window());
    // The fixture's port is closed: a connection to it is refused, the required check fails.
    ASSERT_TRUE(recheck_until(CheckState::failed));
    EXPECT_EQ(service_check_state("tcp-mio-443"), "failed");

    boost::asio::io_context io;
    auto listener = std::make_unique<boost::asio::ip::tcp::acceptor>(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), port));
    // The kernel completes the handshake from the backlog: no accept is needed.
    ASSERT_TRUE(recheck_until(CheckState::ok));
    EXPECT_EQ(service_check_state("tcp-mio-443"), "ok");
    auto* list = checks_widget<wxListCtrl>("checks");
    const long row = check_row("tcp-mio-443");
    ASSERT_GE(row, 0);
    EXPECT_NE(u8(list->GetItemText(row, 2)).find("127.0.0.1"), std::string::npos)
        << u8(list->GetItemText(row, 2));
    EXPECT_EQ(u8(list->GetItemText(row, 3)), "") << "no fix for a check that is ok";
    listener.reset();
}

TEST(TrayGui, TheSymptomGuideListsTheManualsMessages) {
    ASSERT_NO_FATAL_FAILURE(open_checks_window());
    checks_widget<wxNotebook>("checks-pages")->SetSelection(1);
    pump(300ms);
    auto* list = checks_widget<wxListCtrl>("symptoms");
    ASSERT_NE(list, nullptr);
    ASSERT_TRUE(list->IsShownOnScreen());
    const json::object reply = service("symptoms");
    const json::array& symptoms = reply.at("symptoms").as_array();
    ASSERT_EQ(static_cast<std::size_t>(list->GetItemCount()), symptoms.size());
    bool page_cannot_be_displayed = false, gtol_maintenance = false;
    for (std::size_t i = 0; i < symptoms.size(); ++i) {
        const json::object& s = symptoms[i].as_object();
        const long row = static_cast<long>(i);
        EXPECT_EQ(u8(list->GetItemText(row, 0)), string_field(s, "message_en"));
        EXPECT_EQ(u8(list->GetItemText(row, 1)), string_field(s, "what_to_do_en"));
        EXPECT_EQ(u8(list->GetItemText(row, 3)), string_field(s, "manual"));
        const std::string related = u8(list->GetItemText(row, 2));
        if (string_field(s, "message_ja") == "『このページは表示できません』") {
            page_cannot_be_displayed = true;
            // Next to it, the related checks' current states as the service reports them.
            const std::string state = service_check_state("tcp-mio-443");
            const auto parsed = parse_check_state(state);
            ASSERT_TRUE(parsed) << state;
            EXPECT_NE(related.find("tcp-mio-443: " + check_state_label(*parsed)), std::string::npos)
                << related;
            EXPECT_NE(related.find("resolve-mio: "), std::string::npos) << related;
        }
        if (string_field(s, "what_to_do_en").find("sub-gtol-vpn") != std::string::npos &&
            string_field(s, "what_to_do_en").find("portal2") != std::string::npos)
            gtol_maintenance = true;
    }
    EXPECT_TRUE(page_cannot_be_displayed);
    EXPECT_TRUE(gtol_maintenance);
    // The detail of a clicked symptom.
    ASSERT_NO_FATAL_FAILURE(click_row(list, 0));
    EXPECT_NE(u8(checks_widget<wxTextCtrl>("symptom-detail")->GetValue())
                  .find(u8(list->GetItemText(0, 1))),
              std::string::npos);
    checks_widget<wxNotebook>("checks-pages")->SetSelection(0);
    checks_frame()->Hide();
}

TEST(TrayGui, GreysOutWhenTheServiceStops) {
    ASSERT_NO_FATAL_FAILURE(open_status_window());
    ASSERT_NO_FATAL_FAILURE(click_credential_row("gtol/user-password"));
    ASSERT_TRUE(widget("record")->IsEnabled());
    ASSERT_TRUE(stop_service());
    ASSERT_TRUE(wait_until([] { return !app().snapshot().connected; }, 20s))
        << "the tray did not notice the service stopped";
    EXPECT_TRUE(wait_until([] { return !widget("record")->IsEnabled(); }, 5s));
    EXPECT_FALSE(widget("acknowledge")->IsEnabled());
    const std::string status = u8(status_frame()->GetStatusBar()->GetStatusText());
    EXPECT_NE(status.find("not running: reminders are not being sent"), std::string::npos)
        << status;
}

// After GreysOutWhenTheServiceStops: the service is gone.
TEST(TrayGui, TheChecksWindowSaysWhenTheServiceIsNotReachable) {
    ASSERT_TRUE(wait_until([] { return !app().snapshot().connected; }, 20s));
    MenuItem item;
    item.action = MenuAction::open_checks;
    app().perform(item);
    ASSERT_TRUE(wait_until([] { return checks_frame() && checks_frame()->IsShownOnScreen(); }));
    ASSERT_TRUE(wait_until([] { return checks_frame()->pending() == 0; }, 30s));
    auto* banner = checks_widget<wxStaticText>("checks-banner");
    ASSERT_TRUE(wait_until([&] { return banner->IsShown(); }, 5s));
    EXPECT_NE(u8(banner->GetLabel()).find("not reachable"), std::string::npos)
        << u8(banner->GetLabel());
    EXPECT_FALSE(checks_widget("checks")->IsEnabled()) << "greyed out";
    EXPECT_FALSE(checks_widget("recheck")->IsEnabled());
}

namespace {

// The tray app with the tests run from its event loop once it is up.
class GuiTestApp : public TrayApp {
  public:
    bool OnInit() override {
        if (!TrayApp::OnInit()) return false;
        // A fresh user for the start-up prompts also where the configuration outlives a run (the
        // registry of a reused Wine prefix); the prompts come after the first snapshot.
        wxConfigBase::Get()->DeleteEntry("/FirstRun/SystemsAsked");
        wxConfigBase::Get()->DeleteGroup("/Candidates");
        CallAfter([this] {
            g_result = RUN_ALL_TESTS();
            quit();
        });
        return true;
    }
};

void gtest_assert_handler(const wxString& file, int line, const wxString& func,
                          const wxString& condition, const wxString& message) {
    ADD_FAILURE() << "wx assertion in " << func.utf8_str() << " (" << file.utf8_str() << ":" << line
                  << "): " << condition.utf8_str() << " " << message.utf8_str();
}

std::string read_bytes(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Windows: the user's own certificate goes where the tray looks for it, CurrentUser\My.
bool put_user_certificate(const std::string& der) {
#ifdef _WIN32
    HCERTSTORE store =
        ::CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"My");
    if (der.empty() || !store) return false;
    const BOOL added = ::CertAddEncodedCertificateToStore(
        store, X509_ASN_ENCODING, reinterpret_cast<const BYTE*>(der.data()),
        static_cast<DWORD>(der.size()), CERT_STORE_ADD_REPLACE_EXISTING, nullptr);
    ::CertCloseStore(store, 0);
    return added != FALSE;
#else
    (void)der;
    return false;
#endif
}

// The candidates (see kServiceCertCn), made now: POSIX ~/.credwatch/certificates, Windows
// CurrentUser\My; before the tray starts, which reports them when it connects.
bool put_candidate_certificates() {
    using namespace credwatch::test;
    const TestCert ca = make_self_signed(
        {.common_name = "Test Cloud CA", .organization = "Test Soliton", .is_ca = true});
    const TestCert service_cert = make_issued({.common_name = kServiceCertCn,
                                               .serial_hex = "4501",
                                               .not_after = kServiceCertNotAfter,
                                               .key_usage = {"digitalSignature"},
                                               .extended_key_usage = {"clientAuth"}},
                                              ca);
    const TestCert other_ca = make_self_signed({.common_name = "Other CA", .is_ca = true});
    const TestCert decoy = make_issued({.common_name = kDecoyCn,
                                        .serial_hex = "77",
                                        .not_after = kDecoyNotAfter,
                                        .key_usage = {"digitalSignature"},
                                        .extended_key_usage = {"clientAuth"}},
                                       other_ca);
#ifdef _WIN32
    return put_user_certificate(service_cert.der()) && put_user_certificate(decoy.der());
#else
    const char* home = std::getenv("HOME");
    if (!home) return false;
    const std::filesystem::path folder =
        std::filesystem::path(home) / ".credwatch" / "certificates";
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    const std::pair<const char*, const TestCert*> files[] = {{"service.crt", &service_cert},
                                                             {"decoy.crt", &decoy}};
    for (const auto& [name, cert] : files) {
        std::ofstream out(folder / name, std::ios::binary);
        out << cert->pem();
        if (!out) return false;
    }
    return true;
#endif
}

}  // namespace

wxIMPLEMENT_APP_NO_MAIN(GuiTestApp);

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const char* dir = std::getenv("CREDWATCH_TEST_DATA_DIR");
    if (!dir) {
        std::cerr
            << "test_tray_gui: set CREDWATCH_TEST_DATA_DIR (run tests/integration/tray_gui.sh)\n";
        return 2;
    }
    if (const char* cert = std::getenv("CREDWATCH_TEST_USER_CERT");
        cert && !put_user_certificate(read_bytes(cert))) {
        std::cerr << "test_tray_gui: could not put " << cert << " into CurrentUser\\My\n";
        return 2;
    }
    if (!put_candidate_certificates()) {
        std::cerr << "test_tray_gui: could not put the candidate certificates in place\n";
        return 2;
    }
    std::vector<std::string> args = {argv[0], "--data-dir", dir, "--lang", "en"};
    std::vector<char*> wx_argv;
    for (auto& a : args) wx_argv.push_back(a.data());
    wx_argv.push_back(nullptr);
    int wx_argc = static_cast<int>(args.size());
    wxSetAssertHandler(gtest_assert_handler);
    wxEntry(wx_argc, wx_argv.data());
    return g_result;
}
