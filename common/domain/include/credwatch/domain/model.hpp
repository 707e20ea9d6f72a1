#pragma once
// The domain: systems, credential kinds (from the catalog), tracked credentials (in the store),
// their evaluated deadlines, and reminders.

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

// The four kinds of deadline the upstream systems impose.
enum class Rule {
    password_rotation,     // last change (recorded by a person) + lifetime days
    certificate_validity,  // X.509 notAfter of a certificate found in a file or OS store
    issuance_quota,        // issued count against a limit; never lowered by deletion
    document_age,          // a file's time (or a recorded date) + lifetime days
};
std::string_view to_string(Rule rule) noexcept;
std::optional<Rule> rule_from_string(std::string_view text) noexcept;

enum class State {
    unknown,  // nothing recorded yet, or its certificate not found: a to-do for a person
    ok,
    due_soon,         // inside the first reminder threshold
    overdue,          // expired / lapsed
    quota_exhausted,  // no issuance left
};
std::string_view to_string(State state) noexcept;
std::optional<State> state_from_string(std::string_view text) noexcept;
// Larger is worse: ok < unknown < due_soon < overdue = quota_exhausted.
int severity(State state) noexcept;

// How a certificate in a file or an OS store is recognised as belonging to a credential kind.
struct CertificateMatch {
    std::vector<std::string> file_patterns;     // globs on the file name: "client*.p12"
    std::vector<std::string> issuer_contains;   // substrings of the issuer DN
    std::vector<std::string> subject_contains;  // substrings of the subject DN
    std::vector<std::string> stores;            // "CurrentUser\\My", "LocalMachine\\Root", "file"
    // Learnt from a confirmed certificate (candidates.hpp), not written in the catalog: a newer
    // matching certificate then takes over from an explicitly bound one.
    bool learnt = false;
    bool empty() const {
        return file_patterns.empty() && issuer_contains.empty() && subject_contains.empty();
    }
};

// Renewal procedure: what a person does, in Japanese and English.
struct Procedure {
    std::string id;
    std::string title_ja, title_en;
    std::string url;  // empty when the procedure is not a web page
    std::vector<std::string> steps_ja, steps_en;
    std::string phone;  // call centre, when the procedure involves one
    std::string hours_ja, hours_en;
    std::string manual;  // name of the official manual to consult
};

struct CredentialKind {
    std::string system;  // id of the owning system
    std::string id;      // unique within the system
    Rule rule = Rule::password_rotation;
    std::string name_ja, name_en;
    std::string note_ja, note_en;
    int lifetime_days = 0;  // password_rotation, document_age
    // certificate_validity: the documented validity of a newly issued certificate; while none
    // is bound, a recorded issuance gives an estimated deadline. 0 = none documented.
    int expected_lifetime_days = 0;
    int limit = 0;  // issuance_quota
    // Days before the deadline at which a reminder fires (descending), or for a quota the
    // remaining issuances at which it fires (e.g. {1, 0}).
    std::vector<int> thresholds;
    // Repeat while overdue every N days; 0 = once.
    int overdue_repeat_days = 0;
    std::string per;  // "machine" or "user": where the credential lives
    CertificateMatch match;
    std::vector<std::string> procedures;  // ids, first is the main one
    // For issuance_quota: the certificate kind whose issuances this quota counts.
    std::string counts_kind;
    // The OS user whose own store holds a machine credential's certificate: that user's report
    // may satisfy it (no other report can). Empty: only the service's own scans.
    std::string store_user;
};

struct System {
    std::string id;
    std::string name_ja, name_en;
    std::string description_ja, description_en;
    std::vector<CredentialKind> kinds;
};

// One tracked credential: an instance of a kind, on this machine or for one OS user.
struct Credential {
    std::string id;  // stable, human-typable: "cancer-registry/user-password"
    std::string system;
    std::string kind;
    std::string label;
    std::string owner = "machine";     // "machine" or an OS user name
    std::int64_t generation = 1;       // a renewal starts a new generation
    std::optional<Date> renewed_on;    // password changed / document obtained
    int issued = 0;                    // issuance_quota
    std::optional<int> limit;          // overrides the kind's limit
    std::optional<int> lifetime_days;  // overrides the kind's lifetime
    std::string document_path;         // document_age: file whose modification time counts
    // certificate_validity: the certificate currently matched from the inventory.
    std::optional<TimePoint> not_after;
    std::string certificate_sha256;
    std::string certificate_location;
    std::string source = "user";  // "config" when it came from the site configuration
    std::string store_user;       // overrides the kind's store_user (site configuration)
    // issuance_quota, from the site configuration (not kept in the store): the facility's
    // account (利用者ID) the limit belongs to, and the account's count known when this PC was
    // set up (a floor: the count never goes below it).
    std::string account;
    std::optional<int> issued_floor;
    // issuance_quota: the ledger rows recorded or seen on this PC (not imported, not stated).
    int issued_here = 0;
};

// What a credential's deadline looks like at one instant.
struct Evaluation {
    State state = State::unknown;
    std::optional<TimePoint> deadline;  // the instant it lapses
    std::optional<Date> deadline_date;  // local calendar date of the deadline
    std::optional<int> days_left;       // local calendar days from today to the deadline
    int issued = 0;
    int limit = 0;
    std::string reason;  // short English explanation for logs ("no change recorded")
    // The deadline is an estimate (issue date + the kind's expected lifetime), not a
    // certificate's notAfter.
    bool estimated = false;
};

struct Reminder {
    std::int64_t id = 0;
    std::string credential_id;
    std::int64_t generation = 0;
    // "d14" (14 days before), "overdue" or "overdue:2026-11-21" (daily), "q1"/"q0" (quota).
    std::string key;
    State state = State::unknown;
    std::optional<int> days_left;
    std::optional<TimePoint> deadline;
    int issued = 0;
    int limit = 0;
    TimePoint raised_at;
    std::optional<TimePoint> acknowledged_at;
    std::optional<TimePoint> snoozed_until;
    // Active: neither acknowledged nor snoozed past `now`.
    bool active(TimePoint now) const {
        return !acknowledged_at && (!snoozed_until || *snoozed_until <= now);
    }
};

// Who made a change, for the audit trail.
struct Actor {
    std::string os_user;
    std::string via;  // "cli", "tray", "service", "config"
};

struct AuditEntry {
    std::int64_t id = 0;
    TimePoint at;
    std::string os_user;
    std::string via;
    std::string action;  // "password-changed", "issued", "add", "remove", "ack", "snooze", ...
    std::string target;  // credential id or reminder id
    std::string old_value, new_value;
};

}  // namespace credwatch
