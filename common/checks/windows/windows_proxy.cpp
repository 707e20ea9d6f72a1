// The proxy Windows' own settings apply to https://host: the user's Internet Settings
// (WinHttpGetIEProxyConfigForCurrentUser, what browsers and most programs of the user follow),
// then WinHTTP's default (netsh winhttp set proxy; services and WinHTTP clients).
#include "credwatch/checks/proxy_env.hpp"
#include "credwatch/platform/win_util.hpp"
#include "windows_checks.hpp"

// After windows.h (win_util.hpp).
#include <winhttp.h>

#include <cwctype>

namespace credwatch::checks::detail {

namespace {

struct GlobalText {  // strings WinHTTP allocated with GlobalAlloc
    LPWSTR text = nullptr;
    ~GlobalText() {
        if (text) GlobalFree(text);
    }
    std::wstring value() const { return text ? std::wstring(text) : std::wstring(); }
};

std::vector<std::wstring> split(const std::wstring& list) {
    std::vector<std::wstring> items;
    std::wstring item;
    for (wchar_t c : list + L";") {
        if (c == L';' || std::iswspace(static_cast<wint_t>(c))) {
            if (!item.empty()) items.push_back(item);
            item.clear();
        } else {
            item += c;
        }
    }
    return items;
}

bool glob_matches(std::wstring_view pattern, std::wstring_view text) {
    if (pattern.empty()) return text.empty();
    if (pattern.front() == L'*')
        for (std::size_t skip = 0; skip <= text.size(); ++skip)
            if (glob_matches(pattern.substr(1), text.substr(skip))) return true;
    if (pattern.front() == L'*') return false;
    return !text.empty() &&
           std::towlower(static_cast<wint_t>(pattern.front())) ==
               std::towlower(static_cast<wint_t>(text.front())) &&
           glob_matches(pattern.substr(1), text.substr(1));
}

// The bypass list: "<local>" for names without a dot, otherwise wildcards ("*.example.jp").
bool bypassed(const std::wstring& host, const std::wstring& bypass_list) {
    for (auto entry : split(bypass_list)) {
        if (equal_ignoring_case(entry, L"<local>")) {
            if (host.find(L'.') == std::wstring::npos) return true;
            continue;
        }
        if (const auto scheme = entry.find(L"://"); scheme != std::wstring::npos)
            entry = entry.substr(scheme + 3);
        if (glob_matches(entry, host)) return true;
    }
    return false;
}

// "proxy:8080", or "http=a:80;https=b:443": the server for https.
std::string https_server(const std::wstring& proxy_list) {
    std::wstring plain, for_https;
    for (const auto& entry : split(proxy_list)) {
        const auto equals = entry.find(L'=');
        if (equals == std::wstring::npos) {
            if (plain.empty()) plain = entry;
        } else if (equal_ignoring_case(entry.substr(0, equals), L"https")) {
            for_https = entry.substr(equals + 1);
        }
    }
    const std::wstring chosen = for_https.empty() ? plain : for_https;
    return chosen.empty() ? std::string() : proxy_host_port(win::narrow(chosen));
}

}  // namespace

std::optional<OsProxy> windows_settings_proxy_for(std::string_view host) {
    const std::wstring wide_host = win::widen(host);
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG user{};
    if (WinHttpGetIEProxyConfigForCurrentUser(&user)) {
        GlobalText auto_config{user.lpszAutoConfigUrl}, proxy{user.lpszProxy},
            bypass{user.lpszProxyBypass};
        if (!proxy.value().empty() && !bypassed(wide_host, bypass.value())) {
            const std::string server = https_server(proxy.value());
            if (!server.empty()) return OsProxy{"Internet Settings", server};
        }
        // A script decides per URL and is not evaluated here; "detect automatically" alone is
        // the Windows default and usually finds nothing, so it is not reported.
        if (!auto_config.value().empty())
            return OsProxy{"Internet Settings, script " + win::narrow(auto_config.value()),
                           "(automatic configuration script)"};
    }
    WINHTTP_PROXY_INFO machine{};
    if (WinHttpGetDefaultProxyConfiguration(&machine)) {
        GlobalText proxy{machine.lpszProxy}, bypass{machine.lpszProxyBypass};
        if (machine.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY && !proxy.value().empty() &&
            !bypassed(wide_host, bypass.value())) {
            const std::string server = https_server(proxy.value());
            if (!server.empty()) return OsProxy{"WinHTTP", server};
        }
    }
    return std::nullopt;
}

}  // namespace credwatch::checks::detail
