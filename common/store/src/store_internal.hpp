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
