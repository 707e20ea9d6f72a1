// Reminders: raised once per credential generation and key, acknowledged, snoozed.

#include "store_internal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace credwatch {

using namespace std::chrono;
using namespace sql;
using namespace store_detail;

namespace store_detail {

Reminder read_reminder(const Statement& s) {
    Reminder out;
    out.id = s.int64(0);
    out.credential_id = s.text(1);
    out.generation = s.int64(2);
    out.key = s.text(3);
    const auto state_name = s.text(4);
    if (auto state = state_from_string(state_name)) {
        out.state = *state;
    } else {
        spdlog::warn("store: reminder {} has an unknown state \"{}\"", out.id, state_name);
        out.state = State::unknown;
    }
    out.days_left = s.optional_int(5);
    out.deadline = s.optional_time(6);
    out.issued = s.int32(7);
    out.limit = s.int32(8);
    out.raised_at = s.time(9);
    out.acknowledged_at = s.optional_time(10);
    out.snoozed_until = s.optional_time(11);
    return out;
}

}  // namespace store_detail

namespace {

Result<Reminder> require_reminder(const Connection& c, std::int64_t id) {
    CW_TRY_ASSIGN(s, c.prepare("read reminder", fmt::format("SELECT {}, superseded FROM reminders "
                                                            "WHERE id = ?1",
                                                            kReminderColumns)));
    s.bind(1, id);
    CW_TRY_ASSIGN(row, s.step());
    // Superseded rows are bookkeeping (never shown, never fired): unknown to callers.
    if (!row || s.int64(12) != 0) {
        return make_error(Errc::not_found, fmt::format("reminder {} not found", id));
    }
    return read_reminder(s);
}

}  // namespace

Result<std::set<std::string>> Store::fired_keys(std::string_view credential_id,
                                                std::int64_t generation) {
    auto& c = impl_->conn;
    return c.transaction("read fired keys", Tx::read, [&]() -> Result<std::set<std::string>> {
        CW_TRY_ASSIGN(s, c.prepare("read fired keys",
                                   "SELECT key FROM reminders WHERE credential_id = ?1 "
                                   "AND generation = ?2"));
        s.bind(1, credential_id).bind(2, generation);
        CW_TRY_ASSIGN(keys, collect_rows(s, [](const Statement& row) { return row.text(0); }));
        return std::set<std::string>(keys.begin(), keys.end());
    });
}

Result<std::vector<Reminder>> Store::raise(const std::vector<DueReminder>& due,
                                           const OutboxRenderer& queue) {
    if (due.empty()) return std::vector<Reminder>{};
    auto& c = impl_->conn;
    return c.transaction("raise reminders", Tx::write, [&]() -> Result<std::vector<Reminder>> {
        const TimePoint now = whole_seconds(impl_->clock.now());
        CW_TRY_ASSIGN(ins,
                      c.prepare("raise reminders",
                                "INSERT INTO reminders (credential_id, generation, key, state, "
                                "days_left, deadline, issued, quota_limit, raised_at, superseded) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                                "ON CONFLICT (credential_id, generation, key) DO NOTHING"));
        std::vector<Reminder> raised;
        for (const auto& d : due) {
            CW_TRY_ASSIGN(exists, credential_exists(c, d.credential_id));
            if (!exists) {
                // Removed meanwhile (by the CLI in another process): nothing to remind of.
                spdlog::info("store: not raising {} for credential \"{}\": it no longer exists",
                             d.key, d.credential_id);
                continue;
            }
            auto insert = [&](std::string_view key, bool superseded) -> Result<bool> {
                ins.bind(1, d.credential_id).bind(2, d.generation).bind(3, key);
                ins.bind(4, to_string(d.state)).bind(5, d.days_left).bind(6, d.deadline);
                ins.bind(7, d.issued).bind(8, d.limit).bind(9, now).bind(10, superseded);
                CW_TRY(ins.run());
                const bool inserted = sqlite3_changes(c.db()) == 1;
                ins.reset();
                return inserted;
            };
            CW_TRY_ASSIGN(inserted, insert(d.key, false));
            if (inserted) {
                Reminder r;
                r.id = sqlite3_last_insert_rowid(c.db());
                r.credential_id = d.credential_id;
                r.generation = d.generation;
                r.key = d.key;
                r.state = d.state;
                r.days_left = d.days_left;
                r.deadline = d.deadline ? std::optional(whole_seconds(*d.deadline)) : std::nullopt;
                r.issued = d.issued;
                r.limit = d.limit;
                r.raised_at = now;
                if (queue) {
                    if (auto mail = queue(r)) CW_TRY(insert_outbox(c, *mail, r.id, now));
                }
                raised.push_back(std::move(r));
            }
            for (const auto& key : d.superseded) {
                if (key == d.key) continue;
                CW_TRY(insert(key, true));
            }
        }
        return raised;
    });
}

Result<std::vector<Reminder>> Store::reminders(bool active_only) {
    auto& c = impl_->conn;
    return c.transaction("list reminders", Tx::read, [&]() -> Result<std::vector<Reminder>> {
        // Active: not acknowledged, not snoozed past now, not superseded, and of the
        // credential's current generation (a renewal makes older reminders moot).
        const std::string sql = active_only
                                    ? fmt::format(
                                          "SELECT {} FROM reminders r WHERE superseded = 0 "
                                          "AND acknowledged_at IS NULL "
                                          "AND (snoozed_until IS NULL OR snoozed_until <= ?1) "
                                          "AND generation = (SELECT generation FROM credentials "
                                          "WHERE id = r.credential_id) "
                                          "ORDER BY raised_at DESC, id DESC",
                                          kReminderColumns)
                                    : fmt::format(
                                          "SELECT {} FROM reminders WHERE superseded = 0 "
                                          "ORDER BY raised_at DESC, id DESC",
                                          kReminderColumns);
        CW_TRY_ASSIGN(s, c.prepare("list reminders", sql));
        if (active_only) s.bind(1, impl_->clock.now());
        return collect_rows(s, read_reminder);
    });
}

Result<Reminder> Store::reminder(std::int64_t id) {
    auto& c = impl_->conn;
    return c.transaction("read reminder", Tx::read,
                         [&]() -> Result<Reminder> { return require_reminder(c, id); });
}

Status Store::acknowledge(std::int64_t reminder_id, const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("acknowledge reminder", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(row, require_reminder(c, reminder_id));
        if (row.acknowledged_at) return {};  // already acknowledged
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(u, c.prepare("acknowledge reminder",
                                   "UPDATE reminders SET acknowledged_at = ?2 WHERE id = ?1"));
        u.bind(1, reminder_id).bind(2, now);
        CW_TRY(u.run());
        return write_audit(c, now, actor, "ack", std::to_string(reminder_id), "",
                           fmt::format("{} {}", row.credential_id, row.key));
    });
}

Status Store::snooze(std::int64_t reminder_id, TimePoint until, const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("snooze reminder", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(row, require_reminder(c, reminder_id));
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(u, c.prepare("snooze reminder",
                                   "UPDATE reminders SET snoozed_until = ?2 WHERE id = ?1"));
        u.bind(1, reminder_id).bind(2, until);
        CW_TRY(u.run());
        return write_audit(c, now, actor, "snooze", std::to_string(reminder_id),
                           describe_instant(row.snoozed_until), format_utc(until));
    });
}

}  // namespace credwatch
