#pragma once
// Checks of the prerequisites the manuals list (names, ports, clock, software, entries, tasks):
// what a check is, as the catalog defines it, and what running one found. No I/O here: the
// catalog reads the definitions, common/checks runs them (docs/doctor.md).

#include "credwatch/base/clock.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

enum class CheckKind {
    resolve,              // a name resolves (system resolver or a named DNS server)
    tcp,                  // a TCP connection to host:port within a timeout
    udp,                  // a UDP port (IKE 500, NAT-T 4500): cannot be proven without IKE
    clock,                // the offset against an SNTP server is under a limit
    disk_free,            // free space on a drive
    os_version,           // the OS is one the manual lists
    proxy,                // the proxy that applies matches what the site requires
    software_absent,      // no conflicting program is installed (Windows)
    credential_present,   // Credential Manager entries exist (Windows; names only)
    scheduled_task,       // scheduled tasks exist, are enabled, run as an account (Windows)
    account,              // a local account exists and is in a group (Windows)
    certificate_present,  // a certificate is in a store (Windows)
};

enum class CheckSeverity {
    required,     // a problem is "failed": the connection will not work
    recommended,  // a problem is "warning"
};

enum class CheckState { ok, warning, failed, not_applicable, cannot_check };

std::string_view to_string(CheckKind kind);
std::string_view to_string(CheckSeverity severity);
std::string_view to_string(CheckState state);
std::optional<CheckKind> parse_check_kind(std::string_view text);
std::optional<CheckSeverity> parse_check_severity(std::string_view text);

// The parameters of one check, typed as the catalog validated them for its kind.
struct CheckParameters {
    std::map<std::string, std::string, std::less<>> text;
    std::map<std::string, long long, std::less<>> numbers;
    std::map<std::string, std::vector<std::string>, std::less<>> lists;

    std::string text_or(std::string_view key, std::string_view fallback) const;
    long long number_or(std::string_view key, long long fallback) const;
    std::vector<std::string> list_or_empty(std::string_view key) const;
};

struct CheckDefinition {
    std::string system;  // catalog system id
    std::string id;      // unique within the system
    CheckKind kind = CheckKind::resolve;
    CheckSeverity severity = CheckSeverity::required;
    bool enabled = true;
    std::vector<std::string> platforms;  // "windows", "posix"; empty = both
    std::string title_ja, title_en;
    std::string fix_ja, fix_en;  // in the manual's words
    std::string manual;          // the manual and section it comes from
    CheckParameters params;
};

// "cancer-registry/resolve-sec".
std::string check_path(const CheckDefinition& check);

// What one run of a check found. Evidence is what was seen (addresses, the offset), in both
// languages; it never contains a secret.
struct CheckResult {
    CheckState state = CheckState::cannot_check;
    std::string evidence_ja, evidence_en;
    int elapsed_ms = 0;
};

// The latest result of a check the service runs (docs/doctor.md), kept in the store, and the
// failing episode it belongs to.
struct CheckRecord {
    std::string system, id;
    CheckState state = CheckState::cannot_check;
    std::string evidence_ja, evidence_en;
    TimePoint checked_at;
    std::optional<TimePoint> failing_since;  // the start of the current failing episode
    std::optional<TimePoint> notified_at;    // when a reminder of it was last raised
};

std::optional<CheckState> parse_check_state(std::string_view text);

// The state a found problem takes: failed for a required check, warning otherwise.
CheckState problem_state(CheckSeverity severity);

}  // namespace credwatch
