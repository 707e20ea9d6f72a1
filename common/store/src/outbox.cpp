// The e-mail outbox.

#include "store_internal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace credwatch {

using namespace std::chrono;
using namespace sql;
using namespace store_detail;

namespace {

constexpr const char* kOutboxColumns =
    "id, reminder_id, created_at, kind, recipients, subject, body, attempts, next_attempt_at, "
    "last_attempt_at, last_error, sent_at, digest_id";

OutboxEntry read_outbox(const Statement& s) {
    OutboxEntry e;
    e.id = s.int64(0);
    if (!s.is_null(1)) e.reminder_id = s.int64(1);
    e.created_at = s.time(2);
    e.kind = s.text(3);
    e.recipients = split(s.text(4), '\n');
    e.subject = s.text(5);
    e.body = s.text(6);
    e.attempts = s.int32(7);
    e.next_attempt_at = s.optional_time(8);
    e.last_attempt_at = s.optional_time(9);
    e.last_error = s.text(10);
    e.sent_at = s.optional_time(11);
    if (!s.is_null(12)) e.digest_id = s.int64(12);
    return e;
}

Status check_outbox_message(const OutboxMessage& m) {
    static constexpr std::array<std::string_view, 4> kKinds{"reminder", "digest_item", "digest",
                                                            "test"};
    if (std::find(kKinds.begin(), kKinds.end(), m.kind) == kKinds.end())
        return make_error(Errc::invalid_argument,
                          fmt::format("outbox: unknown message kind \"{}\"", m.kind));
    if (m.recipients.empty())
        return make_error(Errc::invalid_argument, "outbox: a message needs a recipient");
    for (const auto& r : m.recipients)
        if (r.empty() || r.find('\n') != std::string::npos)
            return make_error(Errc::invalid_argument,
                              "outbox: a recipient is empty or holds a line break");
    return {};
}

Result<OutboxEntry> require_outbox(const Connection& c, std::int64_t id) {
    CW_TRY_ASSIGN(s, c.prepare("read outbox",
                               fmt::format("SELECT {} FROM outbox WHERE id = ?1", kOutboxColumns)));
    s.bind(1, id);
    CW_TRY_ASSIGN(row, s.step());
    if (!row) return make_error(Errc::not_found, fmt::format("outbox message {} not found", id));
    return read_outbox(s);
}

constexpr auto kOutboxRetention = hours(24 * 180);

}  // namespace

namespace store_detail {

// Inserts one outbox row; returns its id.
Result<std::int64_t> insert_outbox(const Connection& c, const OutboxMessage& m,
                                   std::optional<std::int64_t> reminder_id, TimePoint now) {
    CW_TRY(check_outbox_message(m));
    CW_TRY_ASSIGN(s, c.prepare("queue mail",
                               "INSERT INTO outbox (reminder_id, created_at, kind, "
                               "recipients, subject, body, next_attempt_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, reminder_id).bind(2, now).bind(3, m.kind).bind(4, join(m.recipients, "\n"));
    s.bind(5, m.subject).bind(6, m.body);
    if (m.held) {
        s.bind_null(7);
    } else {
        s.bind(7, now);
    }
    CW_TRY(s.run());
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(c.db()));
}

}  // namespace store_detail

Result<std::int64_t> Store::queue_mail(const OutboxMessage& message) {
    auto& c = impl_->conn;
    return c.transaction("queue mail", Tx::write, [&]() -> Result<std::int64_t> {
        return insert_outbox(c, message, std::nullopt, whole_seconds(impl_->clock.now()));
    });
}

Result<std::vector<OutboxEntry>> Store::due_outbox(TimePoint now, std::size_t limit) {
    auto& c = impl_->conn;
    return c.transaction("read due mail", Tx::read, [&]() -> Result<std::vector<OutboxEntry>> {
        CW_TRY_ASSIGN(
            s, c.prepare("read due mail", fmt::format("SELECT {} FROM outbox WHERE sent_at IS NULL "
                                                      "AND next_attempt_at IS NOT NULL AND "
                                                      "next_attempt_at <= ?1 ORDER BY "
                                                      "next_attempt_at, id LIMIT ?2",
                                                      kOutboxColumns)));
        s.bind(1, now).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1000000)));
        return collect_rows(s, read_outbox);
    });
}

Result<std::optional<TimePoint>> Store::next_outbox_attempt() {
    auto& c = impl_->conn;
    return c.transaction("read next mail attempt", Tx::read,
                         [&]() -> Result<std::optional<TimePoint>> {
                             CW_TRY_ASSIGN(s, c.prepare("read next mail attempt",
                                                        "SELECT min(next_attempt_at) FROM "
                                                        "outbox WHERE sent_at IS NULL"));
                             CW_TRY_ASSIGN(row, s.step());
                             if (!row) return std::optional<TimePoint>{};
                             return s.optional_time(0);
                         });
}

Status Store::mark_sent(std::int64_t id) {
    auto& c = impl_->conn;
    return c.transaction("mark mail sent", Tx::write, [&]() -> Status {
        const TimePoint now = impl_->clock.now();
        CW_TRY(require_outbox(c, id));
        CW_TRY_ASSIGN(u, c.prepare("mark mail sent",
                                   "UPDATE outbox SET sent_at = ?2, last_attempt_at = ?2, "
                                   "attempts = attempts + 1 WHERE id = ?1"));
        u.bind(1, id).bind(2, now);
        CW_TRY(u.run());
        CW_TRY_ASSIGN(d, c.prepare("mark mail sent",
                                   "DELETE FROM outbox WHERE sent_at IS NOT NULL AND "
                                   "sent_at < ?1"));
        d.bind(1, now - kOutboxRetention);
        return d.run();
    });
}

Status Store::mark_failed(std::int64_t id, std::string_view error, TimePoint next_attempt_at) {
    auto& c = impl_->conn;
    return c.transaction("mark mail failed", Tx::write, [&]() -> Status {
        const TimePoint now = impl_->clock.now();
        CW_TRY(require_outbox(c, id));
        CW_TRY_ASSIGN(u, c.prepare("mark mail failed",
                                   "UPDATE outbox SET attempts = attempts + 1, "
                                   "last_attempt_at = ?2, last_error = ?3, "
                                   "next_attempt_at = ?4 WHERE id = ?1"));
        u.bind(1, id).bind(2, now).bind(3, error).bind(4, next_attempt_at);
        return u.run();
    });
}

Result<std::vector<OutboxEntry>> Store::outbox(std::size_t limit, bool unsent_only) {
    auto& c = impl_->conn;
    return c.transaction("list outbox", Tx::read, [&]() -> Result<std::vector<OutboxEntry>> {
        CW_TRY_ASSIGN(
            s, c.prepare("list outbox",
                         fmt::format("SELECT {} FROM outbox {} ORDER BY id DESC LIMIT ?1",
                                     kOutboxColumns, unsent_only ? "WHERE sent_at IS NULL" : "")));
        s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1000000)));
        return collect_rows(s, read_outbox);
    });
}

Result<OutboxEntry> Store::outbox_entry(std::int64_t id) {
    auto& c = impl_->conn;
    return c.transaction("read outbox", Tx::read,
                         [&]() -> Result<OutboxEntry> { return require_outbox(c, id); });
}

Result<OutboxCounts> Store::outbox_counts() {
    auto& c = impl_->conn;
    return c.transaction("count outbox", Tx::read, [&]() -> Result<OutboxCounts> {
        CW_TRY_ASSIGN(
            s,
            c.prepare("count outbox",
                      "SELECT "
                      "count(*) FILTER (WHERE next_attempt_at IS NOT NULL), "
                      "count(*) FILTER (WHERE next_attempt_at IS NOT NULL AND last_error != ''), "
                      "count(*) FILTER (WHERE next_attempt_at IS NULL) "
                      "FROM outbox WHERE sent_at IS NULL"));
        CW_TRY_ASSIGN(row, s.step());
        OutboxCounts out;
        if (row) {
            out.pending = static_cast<std::size_t>(s.int64(0));
            out.failing = static_cast<std::size_t>(s.int64(1));
            out.held = static_cast<std::size_t>(s.int64(2));
        }
        return out;
    });
}

Result<std::optional<std::int64_t>> Store::compose_digest(
    TimePoint created_before,
    const std::function<std::optional<OutboxMessage>(const std::vector<OutboxEntry>&)>& render) {
    auto& c = impl_->conn;
    return c.transaction("compose digest", Tx::write, [&]() -> Result<std::optional<std::int64_t>> {
        const TimePoint now = whole_seconds(impl_->clock.now());
        std::vector<OutboxEntry> items;
        {
            CW_TRY_ASSIGN(s,
                          c.prepare("compose digest",
                                    fmt::format("SELECT {} FROM outbox WHERE sent_at IS NULL AND "
                                                "next_attempt_at IS NULL AND created_at < ?1 "
                                                "ORDER BY id",
                                                kOutboxColumns)));
            s.bind(1, created_before);
            CW_TRY_ASSIGN(rows, collect_rows(s, read_outbox));
            items = std::move(rows);
        }
        if (items.empty()) return std::optional<std::int64_t>{};
        auto message = render(items);
        if (!message) return std::optional<std::int64_t>{};
        message->kind = "digest";
        message->held = false;
        CW_TRY_ASSIGN(digest, insert_outbox(c, *message, std::nullopt, now));
        CW_TRY_ASSIGN(u, c.prepare("compose digest",
                                   "UPDATE outbox SET digest_id = ?2, sent_at = ?3 "
                                   "WHERE id = ?1"));
        for (const auto& item : items) {
            u.bind(1, item.id).bind(2, digest).bind(3, now);
            CW_TRY(u.run());
            u.reset();
        }
        return std::optional<std::int64_t>{digest};
    });
}

}  // namespace credwatch
