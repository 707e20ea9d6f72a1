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

// A kind that looks into a user's own Credential Manager or certificate stores: it runs in that
// user's session (the tray, `credwatch doctor`, `credwatch checks --report`), never in the
// service, and its result is kept per user.
bool runs_in_a_session(CheckKind kind);

// The user a session check is meant for (its `session_user` parameter: the manual's OqsComApp),
// or "" for any user. Windows user names compare without case.
std::string session_user_of(const CheckDefinition& check);
bool is_session_user(const CheckDefinition& check, std::string_view user);

// What one run of a check found. Evidence is what was seen (addresses, the offset), in both
// languages; it never contains a secret.
struct CheckResult {
    CheckState state = CheckState::cannot_check;
    std::string evidence_ja, evidence_en;
    int elapsed_ms = 0;
};

// The evidence a session may report per language, in bytes (the service refuses more; a
// session cuts its own to it).
inline constexpr std::size_t kMaxReportedEvidenceBytes = 4096;

// What a user's session found for one of its checks ("report_checks").
struct SessionCheckResult {
    std::string system, id;
    CheckResult result;
};

// The latest result of a check (docs/doctor.md), kept in the store, and the failing episode it
// belongs to: one per check the service runs, one per check and user for a session's check.
struct CheckRecord {
    std::string system, id;
    std::string user;  // "" for a check the service runs; else whose session reported it
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
