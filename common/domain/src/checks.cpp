#include "credwatch/domain/checks.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace credwatch {

namespace {

constexpr std::array<std::pair<CheckKind, std::string_view>, 12> kKindNames{{
    {CheckKind::resolve, "resolve"},
    {CheckKind::tcp, "tcp"},
    {CheckKind::udp, "udp"},
    {CheckKind::clock, "clock"},
    {CheckKind::disk_free, "disk_free"},
    {CheckKind::os_version, "os_version"},
    {CheckKind::proxy, "proxy"},
    {CheckKind::software_absent, "software_absent"},
    {CheckKind::credential_present, "credential_present"},
    {CheckKind::scheduled_task, "scheduled_task"},
    {CheckKind::account, "account"},
    {CheckKind::certificate_present, "certificate_present"},
}};

}  // namespace

std::string_view to_string(CheckKind kind) {
    for (const auto& [k, name] : kKindNames)
        if (k == kind) return name;
    return "unknown";
}

std::optional<CheckKind> parse_check_kind(std::string_view text) {
    for (const auto& [k, name] : kKindNames)
        if (name == text) return k;
    return std::nullopt;
}

std::string_view to_string(CheckSeverity severity) {
    return severity == CheckSeverity::required ? "required" : "recommended";
}

std::optional<CheckSeverity> parse_check_severity(std::string_view text) {
    if (text == "required") return CheckSeverity::required;
    if (text == "recommended") return CheckSeverity::recommended;
    return std::nullopt;
}

std::string_view to_string(CheckState state) {
    switch (state) {
        case CheckState::ok:
            return "ok";
        case CheckState::warning:
            return "warning";
        case CheckState::failed:
            return "failed";
        case CheckState::not_applicable:
            return "not_applicable";
        case CheckState::cannot_check:
            return "cannot_check";
    }
    return "cannot_check";
}

std::optional<CheckState> parse_check_state(std::string_view text) {
    for (auto state : {CheckState::ok, CheckState::warning, CheckState::failed,
                       CheckState::not_applicable, CheckState::cannot_check})
        if (to_string(state) == text) return state;
    return std::nullopt;
}

std::string CheckParameters::text_or(std::string_view key, std::string_view fallback) const {
    const auto it = text.find(key);
    return it == text.end() ? std::string(fallback) : it->second;
}

long long CheckParameters::number_or(std::string_view key, long long fallback) const {
    const auto it = numbers.find(key);
    return it == numbers.end() ? fallback : it->second;
}

std::vector<std::string> CheckParameters::list_or_empty(std::string_view key) const {
    const auto it = lists.find(key);
    return it == lists.end() ? std::vector<std::string>{} : it->second;
}

std::string check_path(const CheckDefinition& check) {
    return check.system + "/" + check.id;
}

bool runs_in_a_session(CheckKind kind) {
    return kind == CheckKind::credential_present || kind == CheckKind::certificate_present;
}

std::string session_user_of(const CheckDefinition& check) {
    return runs_in_a_session(check.kind) ? check.params.text_or("session_user", "") : std::string();
}

bool is_session_user(const CheckDefinition& check, std::string_view user) {
    const std::string wanted = session_user_of(check);
    if (wanted.empty()) return true;
    return wanted.size() == user.size() &&
           std::equal(wanted.begin(), wanted.end(), user.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

CheckState problem_state(CheckSeverity severity) {
    return severity == CheckSeverity::required ? CheckState::failed : CheckState::warning;
}

}  // namespace credwatch
