#include "credwatch/checks/proxy_env.hpp"
#include "credwatch/platform/win_util.hpp"
#include "windows_checks.hpp"

// After windows.h (win_util.hpp).
#include <wincred.h>

#include <algorithm>
#include <cwctype>

namespace credwatch::checks::detail {

namespace {

CheckResult both(CheckState state, std::string ja, std::string en) {
    return result(state, std::move(ja), std::move(en));
}

// Credential Manager of the user running the check. Only TargetName and UserName are read: the
// CredentialBlob (the password) is never copied, converted, logged or compared.
CheckResult credential_present(const CheckDefinition& check) {
    const std::string target = check.params.text_or("target", "");
    const auto prefixes = check.params.list_or_empty("user_prefixes");
    DWORD count = 0;
    PCREDENTIALW* credentials = nullptr;
    if (!CredEnumerateW(nullptr, 0, &count, &credentials)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NOT_FOUND)
            return both(CheckState::cannot_check,
                        "資格情報マネージャーを読めません: " + win::error_text(error),
                        "cannot read Credential Manager: " + win::error_text(error));
        count = 0;
    }
    const std::wstring wanted = win::widen(target);
    bool found = false, user_ok = false;
    std::string user_seen;
    for (DWORD i = 0; i < count; ++i) {
        const CREDENTIALW* c = credentials[i];
        if (c->TargetName == nullptr || !equal_ignoring_case(c->TargetName, wanted)) continue;
        found = true;
        const std::string user = c->UserName ? win::narrow(c->UserName) : std::string();
        const bool matches =
            prefixes.empty() || std::any_of(prefixes.begin(), prefixes.end(),
                                            [&](const auto& p) { return user.rfind(p, 0) == 0; });
        if (matches) {
            user_ok = true;
            user_seen = user;
            break;
        }
        user_seen = user;
    }
    if (credentials) CredFree(credentials);
    std::string expected;
    for (const auto& p : prefixes) expected += (expected.empty() ? "" : ", ") + p;
    if (!found)
        return both(
            problem_state(check.severity),
            "資格情報マネージャーに " + target + " がありません（このユーザーの資格情報）。",
            "Credential Manager has no " + target + " (this user's credentials).");
    if (!user_ok)
        return both(problem_state(check.severity),
                    target + " のユーザ名 " + user_seen + " が想定（" + expected +
                        " で始まる）と違います。",
                    target + " has the user name " + user_seen + ", expected one starting " +
                        expected + ".");
    return both(CheckState::ok, target + " があります（ユーザ名 " + user_seen + "）。",
                target + " is present (user name " + user_seen + ").");
}

std::wstring registry_text(const wchar_t* name) {
    wchar_t buffer[128] = {};
    DWORD size = sizeof(buffer);
    if (RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", name,
                     RRF_RT_REG_SZ, nullptr, buffer, &size) != ERROR_SUCCESS)
        return {};
    return buffer;
}

// "7 SP1", "8.1", "10 20H2", "11 23H2", as the manual's table names versions. RtlGetVersion,
// since GetVersionEx lies to programs without a compatibility manifest.
std::string windows_version_name() {
    using RtlGetVersionFn = LONG(WINAPI*)(PRTL_OSVERSIONINFOW);
    RTL_OSVERSIONINFOW info{};
    info.dwOSVersionInfoSize = sizeof(info);
    if (HMODULE ntdll = GetModuleHandleW(L"ntdll.dll"))
        if (auto fn = reinterpret_cast<RtlGetVersionFn>(
                reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion"))))
            fn(&info);
    const auto major = info.dwMajorVersion, minor = info.dwMinorVersion;
    if (major == 6 && minor == 1)
        return std::wstring_view(info.szCSDVersion).find(L"Service Pack 1") !=
                       std::wstring_view::npos
                   ? "7 SP1"
                   : "7";
    if (major == 6 && minor == 2) return "8";
    if (major == 6 && minor == 3) return "8.1";
    if (major == 10) {
        std::wstring release = registry_text(L"DisplayVersion");
        if (release.empty()) release = registry_text(L"ReleaseId");
        return std::string(info.dwBuildNumber >= 22000 ? "11" : "10") +
               (release.empty() ? "" : " " + win::narrow(release));
    }
    return std::to_string(major) + "." + std::to_string(minor);
}

CheckResult os_version(const CheckDefinition& check) {
    const auto listed = check.params.list_or_empty("windows");
    const std::string name = windows_version_name();
    std::string table;
    for (const auto& v : listed) table += (table.empty() ? "" : ", ") + v;
    if (std::find(listed.begin(), listed.end(), name) != listed.end())
        return both(CheckState::ok, "Windows " + name + "（端末要件の表にあります）。",
                    "Windows " + name + " (in the manual's table).");
    // The table is from 2020: a newer Windows is not known to fail, so it is a warning.
    return both(CheckState::warning,
                "Windows " + name + " は端末要件の表（" + table +
                    "）にありません。対応しているかコールセンターに確認してください。",
                "Windows " + name + " is not in the manual's table (" + table +
                    "); ask the call centre whether it is supported.");
}

}  // namespace

std::string_view platform_name() {
    return "windows";
}

std::filesystem::path system_drive(const Environment& environment) {
    const auto drive = environment("SystemDrive");
    return std::filesystem::path(drive && !drive->empty() ? *drive : std::string("C:")) / "";
}

// The environment first (curl and most command-line programs follow it), then the user's
// Internet Settings and WinHTTP's default (windows_proxy.cpp).
std::optional<OsProxy> os_proxy_for(std::string_view host, const Environment& environment) {
    if (auto p = proxy_from_environment(host, /*https=*/true, environment))
        return OsProxy{p->variable, p->proxy};
    return windows_settings_proxy_for(host);
}

CheckResult run_windows_kind(const CheckDefinition& check, const CheckContext& context) {
    switch (check.kind) {
        case CheckKind::credential_present:
            return credential_present(check);
        case CheckKind::os_version:
            return os_version(check);
        case CheckKind::software_absent:
            return run_software_absent(check);
        case CheckKind::scheduled_task:
            return run_scheduled_task(check);
        case CheckKind::account:
            return run_account(check);
        case CheckKind::certificate_present:
            return run_certificate_present(check, context);
        default:
            break;
    }
    return both(CheckState::cannot_check,
                "この版の credwatch はこの確認（" + std::string(to_string(check.kind)) +
                    "）をまだ行えません。マニュアルの手順で確認してください。",
                "This version of credwatch cannot run this check (" +
                    std::string(to_string(check.kind)) + ") yet: check it by the manual's steps.");
}

}  // namespace credwatch::checks::detail
