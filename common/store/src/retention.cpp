// Retention: old audit, reminder and sent-mail rows are deleted in small transactions.

#include "store_internal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace credwatch {

using namespace std::chrono;
using namespace sql;

namespace {

// Each statement deletes at most ?2 rows older than ?1 (the oldest first).
constexpr const char* kPruneAudit =
    "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ?1 AND id NOT IN ("
    // The newest row of each credential, present or removed: what last changed it.
    "SELECT MAX(id) FROM audit WHERE target IN (SELECT id FROM credentials UNION "
    "SELECT id FROM credential_tombstones) GROUP BY target) ORDER BY id LIMIT ?2)";

// Only reminders of a generation the credential has left: those of the current one tell the
// evaluation which keys already fired.
constexpr const char* kPruneReminders =
    "DELETE FROM reminders WHERE id IN (SELECT r.id FROM reminders r JOIN credentials c ON "
    "c.id = r.credential_id WHERE r.raised_at < ?1 AND r.generation < c.generation "
    "ORDER BY r.id LIMIT ?2)";

// Sent mail only; a digest item stays while its digest waits to be sent.
constexpr const char* kPruneOutbox =
    "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o WHERE o.sent_at IS NOT NULL AND "
    "o.sent_at < ?1 AND (o.digest_id IS NULL OR o.digest_id IN (SELECT id FROM outbox WHERE "
    "sent_at IS NOT NULL)) ORDER BY o.id LIMIT ?2)";

TimePoint years_before(TimePoint now, int years) {
    // Clamped: a cutoff before TimePoint's range prunes nothing instead of overflowing.
    const auto span = duration_cast<TimePoint::duration>(std::chrono::years(years));
    if (now.time_since_epoch() < TimePoint::min().time_since_epoch() + span) {
        return TimePoint::min();
    }
    return now - span;
}

}  // namespace

Result<PruneCounts> Store::prune_expired(const RetentionPolicy& policy, TimePoint now) {
    if (policy.audit_years < 1 || policy.reminders_years < 1 || policy.outbox_years < 1 ||
        policy.rows_per_transaction == 0) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("retention policy: years must be at least 1 (audit {}, "
                        "reminders {}, outbox {}) and rows per transaction at "
                        "least 1",
                        policy.audit_years, policy.reminders_years, policy.outbox_years));
    }
    auto& c = impl_->conn;
    const auto batch = static_cast<std::int64_t>(
        std::min<std::size_t>(policy.rows_per_transaction,
                              static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
    // Deletes in batches until a batch comes back short; returns the rows deleted.
    auto prune = [&](const char* what, const char* sql, TimePoint cutoff) -> Result<std::int64_t> {
        std::int64_t total = 0;
        for (;;) {
            CW_TRY_ASSIGN(deleted, c.transaction(what, Tx::write, [&]() -> Result<std::int64_t> {
                CW_TRY_ASSIGN(s, c.prepare(what, sql));
                s.bind(1, cutoff).bind(2, batch);
                CW_TRY(s.run());
                return std::int64_t{sqlite3_changes(c.db())};
            }));
            total += deleted;
            if (deleted < batch) return total;
        }
    };
    PruneCounts counts;
    // Reminders before the outbox: a pruned reminder leaves its mail row (reminder_id NULL).
    CW_TRY_ASSIGN(reminders, prune("prune reminders", kPruneReminders,
                                   years_before(now, policy.reminders_years)));
    CW_TRY_ASSIGN(outbox,
                  prune("prune outbox", kPruneOutbox, years_before(now, policy.outbox_years)));
    CW_TRY_ASSIGN(audit, prune("prune audit", kPruneAudit, years_before(now, policy.audit_years)));
    counts.reminders = reminders;
    counts.outbox = outbox;
    counts.audit = audit;
    if (counts.audit + counts.reminders + counts.outbox > 0) {
        spdlog::info("store: pruned {} audit, {} reminder and {} sent mail rows past retention",
                     counts.audit, counts.reminders, counts.outbox);
    }
    return counts;
}

}  // namespace credwatch
