#pragma once
// The SQLite store, shared by its source files (one per table group; private to credwatch_store).
//
// Storage conventions (part of the on-disk format; change them only with a migration):
//  - instants are INTEGER Unix seconds (UTC, sub-second part dropped; readable with
//    `datetime(col, 'unixepoch')`); values beyond TimePoint's range are clamped on reading;
//  - calendar dates (renewed_on) are TEXT 'YYYY-MM-DD' in the machine's local calendar;
//  - states are the names of model.hpp's to_string(State) ("due_soon"), error codes the names
//    of to_string(Errc) ("parse_error");
//  - key usages of inventory certificates are one TEXT, comma separated.
//
// Concurrency: one Store object is used by one thread at a time, but several processes may
// open the same file (WAL mode). Every change is one `BEGIN IMMEDIATE` transaction; when SQLite
// still answers SQLITE_BUSY/SQLITE_LOCKED after the busy timeout, the WHOLE transaction is
// retried (StoreOptions::transaction_attempts) and then reported as Errc::database_locked.
// A transaction body must therefore only compute from its inputs and the database.

#include "credwatch/base/strings.hpp"
#include "credwatch/store/store.hpp"
#include "sqlite.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

struct Store::Impl {
    Impl(sql::Connection c, const Clock& clk) : conn(std::move(c)), clock(clk) {}
    sql::Connection conn;
    const Clock& clock;
};

// Helpers used by several table groups, inside a transaction of the caller.
namespace store_detail {

std::string describe_instant(const std::optional<TimePoint>& t);
std::string lower_ascii(std::string_view text);

Error credential_not_found(std::string_view id);
[[nodiscard]] Result<bool> credential_exists(const sql::Connection& c, std::string_view id);

// The columns read_credential reads, first in a SELECT (more may follow).
inline constexpr const char* kCredentialColumns =
    "id, system, kind, label, owner, generation, renewed_on, issued, limit_override, "
    "lifetime_override, document_path, not_after, certificate_sha256, certificate_location, "
    "source, (SELECT COUNT(*) FROM issuances i WHERE i.credential_id = credentials.id AND "
    "i.how != 'stated' AND i.imported_from = '')";
[[nodiscard]] Result<Credential> read_credential(const sql::Statement& s, const sql::Connection& c);
// The renewed_on column `col` of credential `id`'s row; a stored text that is no date is an error.
[[nodiscard]] Result<std::optional<Date>> read_renewed_on(const sql::Statement& s, int col,
                                                          const sql::Connection& c,
                                                          std::string_view id);
// Inserts a credential row (its id must be free) and drops the id's tombstone: adding an id
// explicitly brings it back.
[[nodiscard]] Status insert_credential(const sql::Connection& c, std::string_view what,
                                       const Credential& cred, std::string_view reference_sha256,
                                       const std::optional<TimePoint>& reference_not_after,
                                       TimePoint created_at);
// Records the removal of credential `id` (replacing an earlier one).
[[nodiscard]] Status write_tombstone(const sql::Connection& c, std::string_view what,
                                     std::string_view id, TimePoint removed_at,
                                     std::string_view os_user);
[[nodiscard]] Status insert_issuance(const sql::Connection& c, std::string_view what,
                                     const Issuance& row);
// The columns id, credential_id, at, how, certificate_sha256, subject, not_before, total,
// os_user, note, imported_from.
Issuance read_issuance(const sql::Statement& s);
// Raises credential `id`'s count to what its ledger rows say (docs/issuances.md); never lowers
// it. Returns the count.
[[nodiscard]] Result<int> recount_issued(const sql::Connection& c, std::string_view what,
                                         std::string_view id);

// The columns read_learnt_match reads, first in a SELECT.
inline constexpr const char* kLearntMatchColumns =
    "system, kind, issuer, subject_contains, learnt_from, learnt_at, os_user";
LearntMatch read_learnt_match(const sql::Statement& s);

// The columns read_reminder reads, first in a SELECT (more may follow).
inline constexpr const char* kReminderColumns =
    "id, credential_id, generation, key, state, days_left, deadline, issued, quota_limit, "
    "raised_at, acknowledged_at, snoozed_until";
// An unknown state is read as State::unknown, with a warning in the log.
Reminder read_reminder(const sql::Statement& s);

// The columns read_audit_entry reads, first in a SELECT (more may follow).
inline constexpr const char* kAuditColumns =
    "id, at, os_user, via, action, target, old_value, new_value";
AuditEntry read_audit_entry(const sql::Statement& s);

// One audit row, written in the transaction of the change it records.
[[nodiscard]] Status write_audit(const sql::Connection& c, TimePoint at, const Actor& actor,
                                 std::string_view action, std::string_view target,
                                 std::string_view old_value, std::string_view new_value);
// Inserts one outbox row; returns its id.
[[nodiscard]] Result<std::int64_t> insert_outbox(const sql::Connection& c, const OutboxMessage& m,
                                                 std::optional<std::int64_t> reminder_id,
                                                 TimePoint now);

}  // namespace store_detail
}  // namespace credwatch
