#pragma once
// The proxy that applies to a host by the environment (http_proxy, https_proxy, no_proxy; the
// upper-case forms too), as curl and most programs read them.

#include "credwatch/checks/checks.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace credwatch::checks {

struct ProxyChoice {
    std::string variable;  // "https_proxy"
    std::string proxy;     // host:port, user and password removed
};

// The proxy for https://host (`https` true) or http://host; nullopt when none applies (unset,
// or the host is in no_proxy).
std::optional<ProxyChoice> proxy_from_environment(std::string_view host, bool https,
                                                  const Environment& environment);

// A proxy URL without its user information ("http://u:p@h:8080/" -> "h:8080"): evidence must
// never show a proxy password.
std::string proxy_host_port(std::string_view url);

}  // namespace credwatch::checks
