// account: a local account exists (NetUserGetInfo) and is a member of a local group
// (NetUserGetLocalGroups). Administrators is recognised by its well-known SID S-1-5-32-544,
// since its name is localised (Administrators, 管理者 ...).
#include "credwatch/platform/win_util.hpp"
#include "windows_checks.hpp"

// After windows.h (win_util.hpp).
#include <lm.h>

namespace credwatch::checks::detail {

namespace {

struct NetBufferDeleter {
    void operator()(void* p) const noexcept { NetApiBufferFree(p); }
};
template <class T>
using NetBuffer = std::unique_ptr<T, NetBufferDeleter>;

// The local name of the Administrators group (BUILTIN\Administrators, S-1-5-32-544).
std::wstring administrators_name() {
    SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
    PSID sid = nullptr;
    if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0,
                                  0, 0, 0, 0, 0, &sid))
        return L"Administrators";
    wchar_t name[256], domain[256];
    DWORD name_size = 256, domain_size = 256;
    SID_NAME_USE use;
    const bool found =
        LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use) != 0;
    FreeSid(sid);
    return found ? std::wstring(name) : std::wstring(L"Administrators");
}

std::string net_error_text(NET_API_STATUS status) {
    return "error " + std::to_string(status) + " (" + win::error_text(status) + ")";
}

}  // namespace

CheckResult run_account(const CheckDefinition& check) {
    const std::string name = check.params.text_or("name", "");
    const std::string group = check.params.text_or("group", "");
    const std::wstring wide_name = win::widen(name);

    LPBYTE info_buffer = nullptr;
    NET_API_STATUS status = NetUserGetInfo(nullptr, wide_name.c_str(), 1, &info_buffer);
    NetBuffer<void> info(info_buffer);
    if (status == NERR_UserNotFound)
        return result(problem_state(check.severity),
                      "ローカルアカウント " + name + " がありません。",
                      "there is no local account " + name + ".");
    if (status != NERR_Success)
        return result(CheckState::cannot_check,
                      "アカウント " + name + " を確認できません（NetUserGetInfo " +
                          net_error_text(status) + "）。",
                      "cannot check the account " + name + " (NetUserGetInfo " +
                          net_error_text(status) + ").");
    const auto* user = static_cast<const USER_INFO_1*>(info.get());
    // The manual's name is case-sensitive ("大文字小文字を識別します"): show the stored spelling.
    const std::string stored = user && user->usri1_name ? win::narrow(user->usri1_name) : name;
    const bool disabled = user && (user->usri1_flags & UF_ACCOUNTDISABLE) != 0;
    if (disabled)
        return result(problem_state(check.severity),
                      "アカウント " + stored + " は無効になっています。",
                      "the account " + stored + " is disabled.");
    if (group.empty())
        return result(CheckState::ok, "ローカルアカウント " + stored + " があります。",
                      "the local account " + stored + " exists.");

    // Administrators by SID; any other group by its name as written.
    const bool wants_administrators =
        equal_ignoring_case(win::widen(group), L"Administrators") || group == "管理者";
    const std::wstring wanted = wants_administrators ? administrators_name() : win::widen(group);
    LPBYTE groups_buffer = nullptr;
    DWORD read = 0, total = 0;
    status = NetUserGetLocalGroups(nullptr, wide_name.c_str(), 0, LG_INCLUDE_INDIRECT,
                                   &groups_buffer, MAX_PREFERRED_LENGTH, &read, &total);
    NetBuffer<void> groups(groups_buffer);
    if (status != NERR_Success)
        return result(CheckState::cannot_check,
                      "アカウント " + stored +
                          " は存在しますが、所属グループを確認できません（"
                          "NetUserGetLocalGroups " +
                          net_error_text(status) + "）。",
                      "the account " + stored +
                          " exists, but its groups cannot be read "
                          "(NetUserGetLocalGroups " +
                          net_error_text(status) + ").");
    std::vector<std::string> names;
    bool member = false;
    const auto* entries = static_cast<const LOCALGROUP_USERS_INFO_0*>(groups.get());
    for (DWORD i = 0; entries && i < read; ++i) {
        if (!entries[i].lgrui0_name) continue;
        names.push_back(win::narrow(entries[i].lgrui0_name));
        if (equal_ignoring_case(entries[i].lgrui0_name, wanted)) member = true;
    }
    const std::string wanted_text = win::narrow(wanted);
    const std::string listed = names.empty() ? "-" : join_names(names);
    if (!member)
        return result(problem_state(check.severity),
                      "アカウント " + stored + " は " + wanted_text +
                          " グループのメンバーではありません（所属: " + listed + "）。",
                      "the account " + stored + " is not a member of " + wanted_text +
                          " (member of: " + listed + ").");
    return result(
        CheckState::ok,
        "ローカルアカウント " + stored + " があり、" + wanted_text + " グループのメンバーです。",
        "the local account " + stored + " exists and is a member of " + wanted_text + ".");
}

}  // namespace credwatch::checks::detail
