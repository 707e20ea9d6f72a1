#pragma once
// The Windows implementations of the Windows-only kinds (one file each) and what they share.

#include "implementations.hpp"
#include "platform_checks.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::checks::detail {

// Case-insensitive; `pattern` must start and end on a word boundary of `text` (the characters
// around it are not letters or digits), so "ESET" finds "ESET Endpoint Security" but not
// "Network Reset".
bool contains_word_ignoring_case(std::wstring_view text, std::wstring_view pattern);
bool contains_ignoring_case(std::wstring_view text, std::wstring_view pattern);
bool equal_ignoring_case(std::wstring_view a, std::wstring_view b);

// "a, b, c".
std::string join_names(const std::vector<std::string>& names);

CheckResult run_software_absent(const CheckDefinition& check);
CheckResult run_scheduled_task(const CheckDefinition& check);
CheckResult run_account(const CheckDefinition& check);
CheckResult run_certificate_present(const CheckDefinition& check, const CheckContext& context);

// The proxy the user's Internet Settings, then WinHTTP's default, apply to https://host.
std::optional<OsProxy> windows_settings_proxy_for(std::string_view host);

}  // namespace credwatch::checks::detail
