#pragma once
// What differs between Windows and POSIX (posix/platform_checks.cpp, windows/...).

#include "credwatch/checks/checks.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace credwatch::checks::detail {

std::string_view platform_name();  // "windows" or "posix"

// The drive the manual's free-space figure is about when a check names no path.
std::filesystem::path system_drive(const Environment& environment);

// The proxy for https://host that the OS settings apply, with where it was read ("WinHTTP",
// "https_proxy"); nullopt for a direct connection.
struct OsProxy {
    std::string source;
    std::string proxy;
};
std::optional<OsProxy> os_proxy_for(std::string_view host, const Environment& environment);

// The kinds whose implementation is Windows-only (os_version included): on POSIX "not
// applicable"; on Windows each implementation.
CheckResult run_windows_kind(const CheckDefinition& check, const CheckContext& context);

}  // namespace credwatch::checks::detail
