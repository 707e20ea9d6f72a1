// software_absent: the conflicting programs of a manual's list (seed 001, 別表), found by the
// DisplayName of the Uninstall keys, by services that are running, and by the descriptions of
// network adapters (virtual machine networks).
#include "credwatch/platform/win_util.hpp"
#include "windows_checks.hpp"

// After windows.h (win_util.hpp).
#include <winsock2.h>
// After winsock2.h.
#include <iphlpapi.h>

#include <algorithm>
#include <cwctype>
#include <set>

namespace credwatch::checks::detail {

namespace {

bool is_word_char(wchar_t c) {
    return std::iswalnum(static_cast<wint_t>(c)) != 0;
}

std::wstring lower(std::wstring_view text) {
    std::wstring out(text);
    for (auto& c : out) c = static_cast<wchar_t>(std::towlower(static_cast<wint_t>(c)));
    return out;
}

struct Findings {
    std::set<std::string> programs;      // Uninstall DisplayNames
    std::set<std::string> services;      // running services
    std::set<std::string> adapters;      // network adapter descriptions
    std::vector<std::string> unchecked;  // sources that could not be read, with the reason
};

std::optional<std::wstring> matching_pattern(std::wstring_view text,
                                             const std::vector<std::wstring>& patterns) {
    for (const auto& p : patterns)
        if (contains_word_ignoring_case(text, p)) return p;
    return std::nullopt;
}

std::wstring registry_string(HKEY key, const wchar_t* subkey, const wchar_t* value) {
    DWORD size = 0;
    if (RegGetValueW(key, subkey, value, RRF_RT_REG_SZ, nullptr, nullptr, &size) != ERROR_SUCCESS ||
        size < sizeof(wchar_t))
        return {};
    std::wstring text(size / sizeof(wchar_t), L'\0');
    if (RegGetValueW(key, subkey, value, RRF_RT_REG_SZ, nullptr, text.data(), &size) !=
        ERROR_SUCCESS)
        return {};
    text.resize(wcsnlen(text.c_str(), text.size()));
    return text;
}

// One Uninstall key: every subkey's DisplayName. A missing key (no WOW6432Node on 32-bit
// Windows, no per-user programs) is not an error.
void scan_uninstall_key(HKEY root, const wchar_t* path, REGSAM view,
                        const std::vector<std::wstring>& patterns, Findings& findings) {
    win::UniqueHKey key;
    if (RegOpenKeyExW(root, path, 0, KEY_READ | view, key.put()) != ERROR_SUCCESS) return;
    for (DWORD index = 0;; ++index) {
        wchar_t name[256];
        DWORD length = static_cast<DWORD>(std::size(name));
        const LONG rc =
            RegEnumKeyExW(key.get(), index, name, &length, nullptr, nullptr, nullptr, nullptr);
        if (rc == ERROR_NO_MORE_ITEMS) break;
        if (rc != ERROR_SUCCESS) continue;  // a name over 255 characters: not a product key
        const std::wstring display = registry_string(key.get(), name, L"DisplayName");
        if (!display.empty() && matching_pattern(display, patterns))
            findings.programs.insert(win::narrow(display));
    }
}

// A listed service counts when it is running: SharedAccess (Internet Connection Sharing) and
// RemoteAccess are installed on every Windows and only conflict when they run; an installed
// third-party program is found by its Uninstall key already.
void scan_services(const std::vector<std::string>& names, Findings& findings) {
    if (names.empty()) return;
    win::UniqueScHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
    if (!manager) {
        findings.unchecked.push_back("OpenSCManager: " + win::error_text(GetLastError()));
        return;
    }
    for (const auto& name : names) {
        win::UniqueScHandle service(
            OpenServiceW(manager.get(), win::widen(name).c_str(), SERVICE_QUERY_STATUS));
        if (!service) {
            const DWORD error = GetLastError();
            if (error != ERROR_SERVICE_DOES_NOT_EXIST)
                findings.unchecked.push_back("service " + name + ": " + win::error_text(error));
            continue;
        }
        SERVICE_STATUS status{};
        if (!QueryServiceStatus(service.get(), &status)) {
            findings.unchecked.push_back("service " + name + ": " +
                                         win::error_text(GetLastError()));
            continue;
        }
        if (status.dwCurrentState == SERVICE_RUNNING ||
            status.dwCurrentState == SERVICE_START_PENDING)
            findings.services.insert(name);
    }
}

void scan_adapters(const std::vector<std::wstring>& patterns, Findings& findings) {
    ULONG size = 16 * 1024;
    std::vector<unsigned char> buffer;
    ULONG rc = ERROR_BUFFER_OVERFLOW;
    for (int attempt = 0; attempt < 3 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
        buffer.resize(size);
        rc = GetAdaptersAddresses(
            AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER,
            nullptr, reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()), &size);
    }
    if (rc == ERROR_NO_DATA) return;
    if (rc != ERROR_SUCCESS) {
        findings.unchecked.push_back("GetAdaptersAddresses: " + win::error_text(rc));
        return;
    }
    for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()); a; a = a->Next)
        if (a->Description && matching_pattern(a->Description, patterns))
            findings.adapters.insert(win::narrow(a->Description));
}

std::string joined(const std::set<std::string>& names) {
    return join_names(std::vector<std::string>(names.begin(), names.end()));
}

}  // namespace

bool contains_word_ignoring_case(std::wstring_view text, std::wstring_view pattern) {
    if (pattern.empty()) return false;
    const std::wstring haystack = lower(text), needle = lower(pattern);
    for (auto at = haystack.find(needle); at != std::wstring::npos;
         at = haystack.find(needle, at + 1)) {
        const auto end = at + needle.size();
        const bool starts = at == 0 || !is_word_char(haystack[at - 1]) || !is_word_char(needle[0]);
        const bool ends =
            end == haystack.size() || !is_word_char(haystack[end]) || !is_word_char(needle.back());
        if (starts && ends) return true;
    }
    return false;
}

bool contains_ignoring_case(std::wstring_view text, std::wstring_view pattern) {
    return lower(text).find(lower(pattern)) != std::wstring::npos;
}

bool equal_ignoring_case(std::wstring_view a, std::wstring_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

CheckResult run_software_absent(const CheckDefinition& check) {
    std::vector<std::wstring> patterns;
    for (const auto& p : check.params.list_or_empty("patterns")) patterns.push_back(win::widen(p));
    Findings findings;
    constexpr const wchar_t* kUninstall =
        L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
    scan_uninstall_key(HKEY_LOCAL_MACHINE, kUninstall, KEY_WOW64_64KEY, patterns, findings);
    scan_uninstall_key(HKEY_LOCAL_MACHINE, kUninstall, KEY_WOW64_32KEY, patterns, findings);
    scan_uninstall_key(HKEY_CURRENT_USER, kUninstall, 0, patterns, findings);
    scan_services(check.params.list_or_empty("services"), findings);
    scan_adapters(patterns, findings);

    std::string ja, en;
    auto add = [&](const std::set<std::string>& names, const char* label_ja, const char* label_en) {
        if (names.empty()) return;
        ja += (ja.empty() ? "" : "。") + std::string(label_ja) + ": " + joined(names);
        en += (en.empty() ? "" : "; ") + std::string(label_en) + ": " + joined(names);
    };
    add(findings.programs, "インストールされているソフトウェア", "installed");
    add(findings.services, "動作中のサービス", "running services");
    add(findings.adapters, "ネットワークアダプター", "network adapters");
    if (!ja.empty()) {
        if (findings.services.count("SharedAccess")) {
            ja += "（SharedAccess はインターネット接続共有（ICS）のサービスです）";
            en += " (SharedAccess is the Internet Connection Sharing service)";
        }
        return result(problem_state(check.severity), ja + "。", en + ".");
    }
    if (!findings.unchecked.empty())
        return result(CheckState::cannot_check,
                      "一覧のソフトウェアは見つかりませんでしたが、確認できない箇所があります: " +
                          join_names(findings.unchecked),
                      "none of the listed software was found, but some sources cannot be read: " +
                          join_names(findings.unchecked));
    const std::string counts = std::to_string(patterns.size());
    return result(CheckState::ok,
                  "一覧の " + counts +
                      " 件のソフトウェアはインストールされておらず、一覧のサービスも動作していま"
                      "せん（アンインストール情報、サービス、ネットワークアダプター）。",
                  "none of the " + counts +
                      " listed programs is installed and no listed service runs (Uninstall "
                      "keys, services, network adapters).");
}

}  // namespace credwatch::checks::detail
