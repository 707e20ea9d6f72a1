#include "credwatch/checks/proxy_env.hpp"

#include "credwatch/base/strings.hpp"

#include <algorithm>
#include <cctype>

namespace credwatch::checks {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<std::pair<std::string, std::string>> first_set(
    const Environment& env, std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (auto v = env(name); v && !v->empty()) return std::pair{std::string(name), *v};
    return std::nullopt;
}

// no_proxy entries as curl reads them: "*", a host, ".domain" or "domain" (suffix match).
bool bypassed(std::string_view host, std::string_view no_proxy) {
    const std::string h = lower(host);
    std::size_t start = 0;
    while (start <= no_proxy.size()) {
        std::size_t end = no_proxy.find(',', start);
        if (end == std::string_view::npos) end = no_proxy.size();
        std::string entry = lower(no_proxy.substr(start, end - start));
        entry.erase(0, entry.find_first_not_of(" \t"));
        entry.erase(entry.find_last_not_of(" \t") + 1);
        if (const auto colon = entry.find(':'); colon != std::string::npos) entry.erase(colon);
        if (entry == "*") return true;
        if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
        if (!entry.empty() && (h == entry || (h.size() > entry.size() && h.ends_with("." + entry))))
            return true;
        start = end + 1;
    }
    return false;
}

}  // namespace

std::string proxy_host_port(std::string_view url) {
    if (const auto scheme = url.find("://"); scheme != std::string_view::npos)
        url.remove_prefix(scheme + 3);
    if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
    if (const auto slash = url.find('/'); slash != std::string_view::npos)
        url = url.substr(0, slash);
    return std::string(url);
}

std::optional<ProxyChoice> proxy_from_environment(std::string_view host, bool https,
                                                  const Environment& environment) {
    const auto proxy =
        https ? first_set(environment, {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
              : first_set(environment, {"http_proxy", "all_proxy", "ALL_PROXY"});
    if (!proxy) return std::nullopt;
    if (const auto no = first_set(environment, {"no_proxy", "NO_PROXY"});
        no && bypassed(host, no->second))
        return std::nullopt;
    return ProxyChoice{proxy->first, proxy_host_port(proxy->second)};
}

}  // namespace credwatch::checks
