// The SQLite store.
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

#include "credwatch/store/store.hpp"

#include "credwatch/base/civil_time.hpp"
#include "sqlite_handle.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <thread>
#include <type_traits>
#include <utility>

namespace credwatch {

namespace {

using namespace std::chrono;

// --- schema --------------------------------------------------------------------------------

struct Migration {
    int version;
    const char* description;
    const char* sql;
};

// Ordered migration steps. A released step is never edited: append a new one instead.
// Each runs in its own BEGIN IMMEDIATE transaction together with `PRAGMA user_version = N`.
constexpr std::array<Migration, 3> kMigrations{{
    {1, "credentials, tombstones, issuances, reminders, audit", R"sql(
CREATE TABLE credentials (
    id                   TEXT PRIMARY KEY NOT NULL,
    system               TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    label                TEXT NOT NULL DEFAULT '',
    owner                TEXT NOT NULL DEFAULT 'machine',
    generation           INTEGER NOT NULL DEFAULT 1 CHECK (generation >= 1),
    renewed_on           TEXT CHECK (renewed_on IS NULL OR
                                     renewed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    issued               INTEGER NOT NULL DEFAULT 0 CHECK (issued >= 0),
    limit_override       INTEGER,
    lifetime_override    INTEGER,
    document_path        TEXT NOT NULL DEFAULT '',
    not_after            INTEGER,
    certificate_sha256   TEXT NOT NULL DEFAULT '',
    certificate_location TEXT NOT NULL DEFAULT '',
    -- The reference certificate of the current generation: the longest-lasting one bound,
    -- kept when a scan clears the binding, so that a certificate reappearing after a scan
    -- that missed it, or an older copy found elsewhere, does not start a new generation.
    reference_sha256     TEXT NOT NULL DEFAULT '',
    reference_not_after  INTEGER,
    source               TEXT NOT NULL DEFAULT 'user',
    created_at           INTEGER NOT NULL
) STRICT;

-- Removed credential ids, so that the site configuration does not seed them again.
CREATE TABLE credential_tombstones (
    id         TEXT PRIMARY KEY NOT NULL,
    removed_at INTEGER NOT NULL,
    os_user    TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE issuances (
    id            INTEGER PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    os_user       TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX issuances_by_credential ON issuances(credential_id);

-- One row per (credential, generation, key) ever raised or superseded. AUTOINCREMENT: the id
-- of a deleted reminder is never given to another one (the tray may still hold it).
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    credential_id   TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    generation      INTEGER NOT NULL,
    key             TEXT NOT NULL,
    state           TEXT NOT NULL,
    days_left       INTEGER,
    deadline        INTEGER,
    issued          INTEGER NOT NULL DEFAULT 0,
    quota_limit     INTEGER NOT NULL DEFAULT 0,
    raised_at       INTEGER NOT NULL,
    acknowledged_at INTEGER,
    snoozed_until   INTEGER,
    superseded      INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1)),
    UNIQUE (credential_id, generation, key)
) STRICT;
CREATE INDEX reminders_by_raised_at ON reminders(raised_at);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    os_user   TEXT NOT NULL DEFAULT '',
    via       TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT ''
) STRICT;
)sql"},
    {2, "certificate inventory, scan failures, inventory bindings", R"sql(
CREATE TABLE inventory (
    id         INTEGER PRIMARY KEY,
    origin     TEXT NOT NULL,
    location   TEXT NOT NULL,
    source     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    subject    TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    serial     TEXT NOT NULL,
    not_before INTEGER NOT NULL,
    not_after  INTEGER NOT NULL,
    sha1       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    is_ca      INTEGER NOT NULL CHECK (is_ca IN (0, 1)),
    key_usage  TEXT NOT NULL DEFAULT '',
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    UNIQUE (origin, location, sha256)
) STRICT;
CREATE INDEX inventory_by_sha256 ON inventory(sha256);

CREATE TABLE inventory_failures (
    id       INTEGER PRIMARY KEY,
    origin   TEXT NOT NULL,
    location TEXT NOT NULL,
    code     TEXT NOT NULL,
    error    TEXT NOT NULL,
    seen     INTEGER NOT NULL
) STRICT;
CREATE INDEX inventory_failures_by_origin ON inventory_failures(origin);

-- A person's choice: this certificate (by SHA-256) is tracked as that credential.
CREATE TABLE inventory_bindings (
    sha256        TEXT PRIMARY KEY NOT NULL,
    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    bound_at      INTEGER NOT NULL,
    os_user       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX inventory_bindings_by_credential ON inventory_bindings(credential_id);
CREATE INDEX credentials_by_certificate ON credentials(certificate_sha256);
)sql"},
    {3, "e-mail outbox", R"sql(
-- Mail to send and mail sent. Subject and body are rendered when the row is queued (a later
-- change of the catalog does not alter a queued mail). A reminder's mail is queued in the
-- transaction that records the reminder; a failed send stays here and is retried, also after
-- a restart. AUTOINCREMENT: an id (part of the Message-ID) is never reused.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reminder_id     INTEGER REFERENCES reminders(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('reminder', 'digest_item', 'digest', 'test')),
    recipients      TEXT NOT NULL,          -- one configured address per line
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER,                -- NULL: a digest item held for the day's digest
    last_attempt_at INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         INTEGER,                -- digest items: when they went into their digest
    digest_id       INTEGER REFERENCES outbox(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX outbox_unsent ON outbox(next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_reminder ON outbox(reminder_id);
CREATE INDEX outbox_by_digest ON outbox(digest_id);
)sql"},
}};

constexpr bool migrations_are_consecutive() {
    for (std::size_t i = 0; i < kMigrations.size(); ++i)
        if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
    return true;
}
static_assert(migrations_are_consecutive(), "migration versions must be 1, 2, 3, ...");

constexpr int kLatestVersion = kMigrations.back().version;

// --- value conversions ---------------------------------------------------------------------

std::int64_t to_unix(TimePoint t) {
    return floor<seconds>(t.time_since_epoch()).count();
}

TimePoint from_unix(std::int64_t s) {
    constexpr auto lo = duration_cast<seconds>(TimePoint::min().time_since_epoch()).count();
    constexpr auto hi = duration_cast<seconds>(TimePoint::max().time_since_epoch()).count();
    if (s >= hi) return TimePoint::max();
    if (s <= lo) return TimePoint::min();
    return TimePoint{duration_cast<TimePoint::duration>(seconds{s})};
}

TimePoint whole_seconds(TimePoint t) {
    return from_unix(to_unix(t));
}

std::string describe_instant(const std::optional<TimePoint>& t) {
    return t ? format_utc(*t) : std::string{};
}

std::string join(const std::vector<std::string>& parts, char separator) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += separator;
        out += p;
    }
    return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto pos = text.find(separator);
        out.emplace_back(text.substr(0, pos));
        if (pos == std::string_view::npos) break;
        text.remove_prefix(pos + 1);
    }
    return out;
}

Errc errc_from_name(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
        auto code = static_cast<Errc>(i);
        if (to_string(code) == name) return code;
    }
    return Errc::internal;
}

std::string path_utf8(const std::filesystem::path& p) {
    auto u8 = p.u8string();
    return std::string(u8.begin(), u8.end());
}

// --- connection, statements, transactions ---------------------------------------------------

class Connection;

// A prepared statement; finalized at scope end. Binding errors are reported by step().
class Statement {
  public:
    Statement(const Connection& connection, sqlite::StatementPtr stmt, std::string_view function)
        : connection_(&connection), stmt_(std::move(stmt)), function_(function) {}

    Statement& bind(int index, std::string_view text) {
        // A null data pointer (a default std::string_view) would bind SQL NULL, not ''.
        return check(sqlite3_bind_text64(stmt_.get(), index, text.data() ? text.data() : "",
                                         text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    Statement& bind(int index, std::int64_t value) {
        return check(sqlite3_bind_int64(stmt_.get(), index, value));
    }
    Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
    Statement& bind(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }
    Statement& bind(int index, TimePoint value) { return bind(index, to_unix(value)); }
    Statement& bind_null(int index) { return check(sqlite3_bind_null(stmt_.get(), index)); }
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // true: a row is available; false: done.
    Result<bool> step();
    // Makes the statement ready to run again with new bindings.
    void reset() {
        sqlite3_reset(stmt_.get());
        sqlite3_clear_bindings(stmt_.get());
        bind_rc_ = SQLITE_OK;
    }
    // Runs a statement that returns no rows.
    Status run() {
        CW_TRY(step());
        return {};
    }

    bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
    int int32(int col) const { return sqlite3_column_int(stmt_.get(), col); }
    std::string text(int col) const {
        const unsigned char* p = sqlite3_column_text(stmt_.get(), col);
        if (!p) return {};
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col));
        return std::string(reinterpret_cast<const char*>(p), n);
    }
    TimePoint time(int col) const { return from_unix(int64(col)); }
    std::optional<TimePoint> optional_time(int col) const {
        if (is_null(col)) return std::nullopt;
        return time(col);
    }
    std::optional<int> optional_int(int col) const {
        if (is_null(col)) return std::nullopt;
        return int32(col);
    }

  private:
    Statement& check(int rc) {
        if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
        return *this;
    }

    const Connection* connection_;
    sqlite::StatementPtr stmt_;
    std::string function_;
    int bind_rc_ = SQLITE_OK;
};

enum class Tx { read, write };

class Connection {
  public:
    Connection(sqlite::DatabasePtr db, std::string file, StoreOptions options)
        : db_(std::move(db)), file_(std::move(file)), options_(options) {}

    sqlite3* db() const { return db_.get(); }
    const std::string& file() const { return file_; }
    const StoreOptions& options() const { return options_; }

    // Logs a failed SQLite call and turns it into an Error naming the database file.
    Error fail(std::string_view function, int rc) const {
        const char* message = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
        const int extended = db_ ? sqlite3_extended_errcode(db_.get()) : rc;
        if (sqlite::is_busy(rc)) {
            spdlog::warn("store: {} on {}: sqlite error {} (extended {}): {}", function, file_,
                         rc & 0xff, extended, message);
            return make_error(Errc::database_locked, fmt::format("database {} is locked ({}: {})",
                                                                 file_, function, message));
        }
        spdlog::error("store: {} on {}: sqlite error {} (extended {}): {}", function, file_,
                      rc & 0xff, extended, message);
        return make_error(Errc::database_error,
                          fmt::format("database {}: {} failed: {} (sqlite error {})", file_,
                                      function, message, extended));
    }

    Result<Statement> prepare(std::string_view function, std::string_view sql) const {
        sqlite3_stmt* raw = nullptr;
        const int rc =
            sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
        sqlite::StatementPtr stmt(raw);
        if (rc != SQLITE_OK) return fail(function, rc);
        return Statement(*this, std::move(stmt), function);
    }

    // Runs one or several statements without parameters.
    Status exec(std::string_view function, const char* sql) const {
        const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) return fail(function, rc);
        return {};
    }

    // Runs `body` (returning Result<T>) inside one transaction; rollback on any error; the
    // whole transaction is retried while SQLite reports the database busy or locked.
    template <class F>
    std::invoke_result_t<F&> transaction(std::string_view what, Tx kind, F&& body) {
        using R = std::invoke_result_t<F&>;
        const int attempts = std::max(1, options_.transaction_attempts);
        for (int attempt = 1;; ++attempt) {
            Error failure;
            if (auto begun = exec(what, kind == Tx::write ? "BEGIN IMMEDIATE" : "BEGIN"); !begun) {
                failure = begun.error();
            } else {
                R result = body();
                if (result) {
                    auto committed = exec(what, "COMMIT");
                    if (committed) return result;
                    failure = committed.error();
                } else {
                    failure = result.error();
                }
                rollback(what);
            }
            if (failure.code != Errc::database_locked) return failure;
            if (attempt >= attempts) {
                spdlog::error("store: {} on {}: still locked after {} attempts, giving up", what,
                              file_, attempts);
                return make_error(
                    Errc::database_locked,
                    fmt::format("database {} is locked by another program: {} gave up after {} "
                                "attempts (busy timeout {} ms each); nothing was written",
                                file_, what, attempts, options_.busy_timeout.count()));
            }
            const auto pause = milliseconds(std::min(25 * attempt, 250));
            spdlog::warn("store: {} on {}: database locked, attempt {}/{}; retrying in {} ms", what,
                         file_, attempt, attempts, pause.count());
            std::this_thread::sleep_for(pause);
        }
    }

  private:
    void rollback(std::string_view what) const {
        // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL or IOERR).
        if (sqlite3_get_autocommit(db_.get())) return;
        const int rc = sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) (void)fail(fmt::format("{} (rollback)", what), rc);
    }

    sqlite::DatabasePtr db_;
    std::string file_;
    StoreOptions options_;
};

Result<bool> Statement::step() {
    if (bind_rc_ != SQLITE_OK) return connection_->fail(function_, bind_rc_);
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return connection_->fail(function_, rc);
}

// What collect_rows gathers from a row reader's return type: T from T or from Result<T>.
template <class T>
struct RowOf {
    using type = T;
};
template <class T>
struct RowOf<Result<T>> {
    using type = T;
};
template <class Reader>
using RowOfT = typename RowOf<std::invoke_result_t<Reader&, const Statement&>>::type;

// Steps `s` to its end and gathers `read(s)` for every row. A reader returns the value, or a
// Result whose first error ends the collection.
template <class Reader>
Result<std::vector<RowOfT<Reader>>> collect_rows(Statement& s, Reader&& read) {
    std::vector<RowOfT<Reader>> out;
    for (;;) {
        CW_TRY_ASSIGN(row, s.step());
        if (!row) return out;
        if constexpr (std::is_same_v<std::invoke_result_t<Reader&, const Statement&>,
                                     RowOfT<Reader>>) {
            out.push_back(read(std::as_const(s)));
        } else {
            CW_TRY_ASSIGN(value, read(std::as_const(s)));
            out.push_back(std::move(value));
        }
    }
}

// --- row readers ---------------------------------------------------------------------------

constexpr const char* kCredentialColumns =
    "id, system, kind, label, owner, generation, renewed_on, issued, limit_override, "
    "lifetime_override, document_path, not_after, certificate_sha256, certificate_location, "
    "source";

Result<Credential> read_credential(const Statement& s, const Connection& c) {
    Credential out;
    out.id = s.text(0);
    out.system = s.text(1);
    out.kind = s.text(2);
    out.label = s.text(3);
    out.owner = s.text(4);
    out.generation = s.int64(5);
    if (!s.is_null(6)) {
        auto date = parse_date(s.text(6));
        if (!date) {
            return make_error(Errc::database_error,
                              fmt::format("database {}: credential {} has a corrupt renewed_on: {}",
                                          c.file(), out.id, date.error().message));
        }
        out.renewed_on = *date;
    }
    out.issued = s.int32(7);
    out.limit = s.optional_int(8);
    out.lifetime_days = s.optional_int(9);
    out.document_path = s.text(10);
    out.not_after = s.optional_time(11);
    out.certificate_sha256 = s.text(12);
    out.certificate_location = s.text(13);
    out.source = s.text(14);
    return out;
}

constexpr const char* kReminderColumns =
    "id, credential_id, generation, key, state, days_left, deadline, issued, quota_limit, "
    "raised_at, acknowledged_at, snoozed_until";

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

// --- helpers used inside transactions --------------------------------------------------------

Result<int> read_user_version(const Connection& c) {
    CW_TRY_ASSIGN(s, c.prepare("read schema version", "PRAGMA user_version"));
    CW_TRY_ASSIGN(row, s.step());
    if (!row) return make_error(Errc::database_error, "PRAGMA user_version returned no row");
    return s.int32(0);
}

Error newer_schema_error(const Connection& c, int found) {
    spdlog::error("store: {} has schema version {}, newer than version {} known to this program",
                  c.file(), found, kLatestVersion);
    return make_error(
        Errc::unsupported_version,
        fmt::format("database {} has schema version {}, but this credwatch knows only up to "
                    "version {}: it was written by a newer credwatch; refusing to open it "
                    "(install that version again, never downgrade the database)",
                    c.file(), found, kLatestVersion));
}

Result<std::optional<Credential>> find_credential(const Connection& c, std::string_view id) {
    CW_TRY_ASSIGN(
        s, c.prepare("read credential",
                     fmt::format("SELECT {} FROM credentials WHERE id = ?1", kCredentialColumns)));
    s.bind(1, id);
    CW_TRY_ASSIGN(row, s.step());
    if (!row) return std::optional<Credential>{};
    CW_TRY_ASSIGN(cred, read_credential(s, c));
    return std::optional<Credential>{std::move(cred)};
}

Error credential_not_found(std::string_view id) {
    return make_error(Errc::not_found, fmt::format("credential \"{}\" not found", id));
}

Result<Credential> require_credential(const Connection& c, std::string_view id) {
    CW_TRY_ASSIGN(found, find_credential(c, id));
    if (!found) return credential_not_found(id);
    return std::move(*found);
}

Result<bool> credential_exists(const Connection& c, std::string_view id) {
    CW_TRY_ASSIGN(s, c.prepare("check credential", "SELECT 1 FROM credentials WHERE id = ?1"));
    s.bind(1, id);
    return s.step();
}

Status write_audit(const Connection& c, TimePoint at, const Actor& actor, std::string_view action,
                   std::string_view target, std::string_view old_value,
                   std::string_view new_value) {
    CW_TRY_ASSIGN(s, c.prepare("write audit",
                               "INSERT INTO audit (at, os_user, via, action, target, "
                               "old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, at).bind(2, actor.os_user).bind(3, actor.via).bind(4, action).bind(5, target);
    s.bind(6, old_value).bind(7, new_value);
    return s.run();
}

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

std::string short_sha(std::string_view sha256) {
    return std::string(sha256.substr(0, std::min<std::size_t>(16, sha256.size())));
}

std::string describe_certificate(const std::optional<TimePoint>& not_after,
                                 std::string_view sha256) {
    if (sha256.empty() && !not_after) return {};
    return fmt::format("{} sha256:{}", describe_instant(not_after), short_sha(sha256));
}

bool is_sha256_hex(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char ch) {
               return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
           });
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

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

// Inserts one outbox row; returns its id.
Result<std::int64_t> insert_outbox(const Connection& c, const OutboxMessage& m,
                                   std::optional<std::int64_t> reminder_id, TimePoint now) {
    CW_TRY(check_outbox_message(m));
    CW_TRY_ASSIGN(s, c.prepare("queue mail",
                               "INSERT INTO outbox (reminder_id, created_at, kind, "
                               "recipients, subject, body, next_attempt_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, reminder_id).bind(2, now).bind(3, m.kind).bind(4, join(m.recipients, '\n'));
    s.bind(5, m.subject).bind(6, m.body);
    if (m.held) {
        s.bind_null(7);
    } else {
        s.bind(7, now);
    }
    CW_TRY(s.run());
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(c.db()));
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

// --- Store ---------------------------------------------------------------------------------

struct Store::Impl {
    Impl(Connection c, const Clock& clk) : conn(std::move(c)), clock(clk) {}
    Connection conn;
    const Clock& clock;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

int Store::latest_schema_version() noexcept {
    return kLatestVersion;
}

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& database,
                                           const Clock& clock, StoreOptions options) {
    const std::string file = path_utf8(database);
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    sqlite::DatabasePtr db(raw);
    if (rc != SQLITE_OK) {
        const char* message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        spdlog::error("store: sqlite3_open_v2 on {}: sqlite error {}: {}", file, rc, message);
        return make_error(Errc::database_error,
                          fmt::format("cannot open database {}: {}", file, message));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    Connection conn(std::move(db), file, options);

    if (const int brc = sqlite3_busy_timeout(
            conn.db(),
            static_cast<int>(std::clamp<std::int64_t>(
                options.busy_timeout.count(), 0, std::int64_t{std::numeric_limits<int>::max()})));
        brc != SQLITE_OK) {
        return conn.fail("sqlite3_busy_timeout", brc);
    }
    CW_TRY(conn.exec("enable foreign keys", "PRAGMA foreign_keys = ON"));

    // Look at the version before changing anything in the file: a newer database is refused
    // untouched (this also fails cleanly when the file is not a database at all).
    {
        CW_TRY_ASSIGN(version,
                      conn.transaction("read schema version", Tx::read,
                                       [&]() -> Result<int> { return read_user_version(conn); }));
        if (version > kLatestVersion) return newer_schema_error(conn, version);
        if (version < 0) {
            return make_error(
                Errc::database_error,
                fmt::format("database {} has an invalid schema version {}", file, version));
        }
    }

    // WAL: readers and one writer from several processes at a time. Changing the journal mode
    // cannot happen inside a transaction; it is retried like one when the file is busy.
    {
        std::string journal;
        for (int attempt = 1;; ++attempt) {
            CW_TRY_ASSIGN(s, conn.prepare("set WAL journal mode", "PRAGMA journal_mode = WAL"));
            auto row = s.step();
            if (row && *row) {
                journal = s.text(0);
                break;
            }
            if (row) break;
            if (row.error().code != Errc::database_locked ||
                attempt >= std::max(1, options.transaction_attempts)) {
                return row.error();
            }
            std::this_thread::sleep_for(milliseconds(25 * attempt));
        }
        if (journal != "wal") {
            spdlog::warn(
                "store: {}: journal mode is \"{}\", not WAL (network drive?); other "
                "programs will wait longer for the database",
                file, journal);
        }
    }
    CW_TRY(conn.exec("set synchronous", "PRAGMA synchronous = NORMAL"));

    // Migrations, one transaction each. Another process may migrate at the same time: the
    // version is read again inside each transaction.
    for (;;) {
        CW_TRY_ASSIGN(applied, conn.transaction("migrate schema", Tx::write, [&]() -> Result<bool> {
            CW_TRY_ASSIGN(version, read_user_version(conn));
            if (version > kLatestVersion) return newer_schema_error(conn, version);
            if (version >= kLatestVersion) return false;
            if (version < 0) {
                return make_error(
                    Errc::database_error,
                    fmt::format("database {} has an invalid schema version {}", file, version));
            }
            const Migration& step = kMigrations[static_cast<std::size_t>(version)];
            spdlog::info("store: {}: migrating schema from version {} to {} ({})", file, version,
                         step.version, step.description);
            CW_TRY(conn.exec(fmt::format("migration {}", step.version), step.sql));
            const auto set_version = fmt::format("PRAGMA user_version = {}", step.version);
            CW_TRY(conn.exec("set schema version", set_version.c_str()));
            return true;
        }));
        if (!applied) break;
    }

    return std::unique_ptr<Store>(new Store(std::make_unique<Impl>(std::move(conn), clock)));
}

Result<int> Store::schema_version() {
    auto& c = impl_->conn;
    return c.transaction("read schema version", Tx::read,
                         [&]() -> Result<int> { return read_user_version(c); });
}

// --- credentials ---------------------------------------------------------------------------

Result<std::vector<Credential>> Store::credentials() {
    auto& c = impl_->conn;
    return c.transaction("list credentials", Tx::read, [&]() -> Result<std::vector<Credential>> {
        CW_TRY_ASSIGN(
            s, c.prepare("list credentials", fmt::format("SELECT {} FROM credentials ORDER BY id",
                                                         kCredentialColumns)));
        return collect_rows(s, [&](const Statement& row) { return read_credential(row, c); });
    });
}

Result<Credential> Store::credential(std::string_view id) {
    auto& c = impl_->conn;
    return c.transaction("read credential", Tx::read,
                         [&]() -> Result<Credential> { return require_credential(c, id); });
}

Status Store::add_credential(const Credential& cred, const Actor& actor) {
    if (cred.id.empty()) return make_error(Errc::invalid_argument, "a credential needs an id");
    if (cred.generation < 1) {
        return make_error(Errc::invalid_argument,
                          fmt::format("credential \"{}\": generation must be at least 1", cred.id));
    }
    if (cred.issued < 0) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("credential \"{}\": issued count cannot be negative", cred.id));
    }
    if (cred.renewed_on && !cred.renewed_on->ok()) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("credential \"{}\": renewed_on is not a valid date", cred.id));
    }
    auto& c = impl_->conn;
    return c.transaction("add credential", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(exists, credential_exists(c, cred.id));
        if (exists) {
            return make_error(Errc::already_exists,
                              fmt::format("credential \"{}\" already exists", cred.id));
        }
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(
            s, c.prepare("add credential",
                         "INSERT INTO credentials (id, system, kind, label, owner, generation, "
                         "renewed_on, issued, limit_override, lifetime_override, document_path, "
                         "not_after, certificate_sha256, certificate_location, reference_sha256, "
                         "reference_not_after, source, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                         "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?13, ?12, ?15, ?16)"));
        s.bind(1, cred.id).bind(2, cred.system).bind(3, cred.kind).bind(4, cred.label);
        s.bind(5, cred.owner).bind(6, cred.generation);
        if (cred.renewed_on) {
            s.bind(7, format_date(*cred.renewed_on));
        } else {
            s.bind_null(7);
        }
        s.bind(8, cred.issued).bind(9, cred.limit).bind(10, cred.lifetime_days);
        s.bind(11, cred.document_path).bind(12, cred.not_after);
        s.bind(13, cred.certificate_sha256).bind(14, cred.certificate_location);
        s.bind(15, cred.source).bind(16, now);
        CW_TRY(s.run());
        // Adding an id explicitly brings it back: its tombstone goes.
        CW_TRY_ASSIGN(
            t, c.prepare("add credential", "DELETE FROM credential_tombstones WHERE id = ?1"));
        t.bind(1, cred.id);
        CW_TRY(t.run());
        return write_audit(c, now, actor, "add", cred.id, "",
                           fmt::format("{}/{}", cred.system, cred.kind));
    });
}

Status Store::remove_credential(std::string_view id, const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("remove credential", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        const TimePoint now = impl_->clock.now();
        // Reminders, issuances and bindings go with it (ON DELETE CASCADE); the audit stays.
        CW_TRY_ASSIGN(d, c.prepare("remove credential", "DELETE FROM credentials WHERE id = ?1"));
        d.bind(1, id);
        CW_TRY(d.run());
        CW_TRY_ASSIGN(t, c.prepare("remove credential",
                                   "INSERT INTO credential_tombstones (id, removed_at, "
                                   "os_user) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE "
                                   "SET removed_at = excluded.removed_at, "
                                   "os_user = excluded.os_user"));
        t.bind(1, id).bind(2, now).bind(3, actor.os_user);
        CW_TRY(t.run());
        return write_audit(
            c, now, actor, "remove", id,
            fmt::format("{}/{} generation {}", cred.system, cred.kind, cred.generation), "");
    });
}

Result<bool> Store::is_removed(std::string_view id) {
    auto& c = impl_->conn;
    return c.transaction("read tombstone", Tx::read, [&]() -> Result<bool> {
        CW_TRY_ASSIGN(
            s, c.prepare("read tombstone", "SELECT 1 FROM credential_tombstones WHERE id = ?1"));
        s.bind(1, id);
        return s.step();
    });
}

Status Store::record_renewal(std::string_view id, Date on, const Actor& actor) {
    if (!on.ok()) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("credential \"{}\": the renewal date is not a valid date", id));
    }
    auto& c = impl_->conn;
    return c.transaction("record renewal", Tx::write, [&]() -> Status {
        const TimePoint now = impl_->clock.now();
        const Date today = local_date(now);
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        if (days_between(today, on) > 1) {
            return make_error(Errc::invalid_argument,
                              fmt::format("credential \"{}\": cannot record a change in the "
                                          "future ({} is after today, {})",
                                          id, format_date(on), format_date(today)));
        }
        CW_TRY_ASSIGN(s, c.prepare("record renewal",
                                   "UPDATE credentials SET renewed_on = ?2, "
                                   "generation = generation + 1 WHERE id = ?1"));
        s.bind(1, id).bind(2, format_date(on));
        CW_TRY(s.run());
        return write_audit(c, now, actor, "renewed", id,
                           cred.renewed_on ? format_date(*cred.renewed_on) : std::string{},
                           format_date(on));
    });
}

Result<int> Store::record_issuance(std::string_view id, const Actor& actor, std::string_view note) {
    auto& c = impl_->conn;
    return c.transaction("record issuance", Tx::write, [&]() -> Result<int> {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        const TimePoint now = impl_->clock.now();
        const int total = cred.issued + 1;
        CW_TRY_ASSIGN(
            u, c.prepare("record issuance", "UPDATE credentials SET issued = ?2 WHERE id = ?1"));
        u.bind(1, id).bind(2, total);
        CW_TRY(u.run());
        CW_TRY_ASSIGN(i, c.prepare("record issuance",
                                   "INSERT INTO issuances (credential_id, at, os_user, note) "
                                   "VALUES (?1, ?2, ?3, ?4)"));
        i.bind(1, id).bind(2, now).bind(3, actor.os_user).bind(4, note);
        CW_TRY(i.run());
        CW_TRY(write_audit(c, now, actor, "issued", id, std::to_string(cred.issued),
                           std::to_string(total)));
        return total;
    });
}

Result<int> Store::set_issued(std::string_view id, int total, const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("set issued count", Tx::write, [&]() -> Result<int> {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        if (total < cred.issued) {
            return make_error(Errc::invalid_argument,
                              fmt::format("credential \"{}\": cannot lower the issued count from "
                                          "{} to {}: deleting a certificate does not give an "
                                          "issuance back",
                                          id, cred.issued, total));
        }
        if (total == cred.issued) return total;
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(
            u, c.prepare("set issued count", "UPDATE credentials SET issued = ?2 WHERE id = ?1"));
        u.bind(1, id).bind(2, total);
        CW_TRY(u.run());
        CW_TRY(write_audit(c, now, actor, "issued-total", id, std::to_string(cred.issued),
                           std::to_string(total)));
        return total;
    });
}

Status Store::bind_certificate(std::string_view id, const std::optional<FoundCertificate>& cert,
                               const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("bind certificate", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        const auto old_text = describe_certificate(cred.not_after, cred.certificate_sha256);
        const TimePoint now = impl_->clock.now();
        if (!cert) {
            if (cred.certificate_sha256.empty() && !cred.not_after &&
                cred.certificate_location.empty()) {
                return {};  // nothing bound: nothing to clear
            }
            CW_TRY_ASSIGN(u, c.prepare("clear certificate",
                                       "UPDATE credentials SET not_after = NULL, "
                                       "certificate_sha256 = '', certificate_location = '' "
                                       "WHERE id = ?1"));
            u.bind(1, id);
            CW_TRY(u.run());
            return write_audit(c, now, actor, "certificate-bound", id, old_text, "");
        }

        const std::string sha = lower_ascii(cert->info.sha256);
        if (sha == cred.certificate_sha256) return {};  // the same certificate: no change

        // Compare with the reference certificate, even if a scan has since cleared the binding.
        CW_TRY_ASSIGN(r, c.prepare("bind certificate",
                                   "SELECT reference_sha256, reference_not_after "
                                   "FROM credentials WHERE id = ?1"));
        r.bind(1, id);
        CW_TRY_ASSIGN(has_row, r.step());
        if (!has_row) return credential_not_found(id);
        const std::string ref_sha = r.text(0);
        const std::optional<TimePoint> ref_not_after = r.optional_time(1);

        // A different certificate that lasts longer is a renewal: a new generation, so that
        // its reminders fire afresh. The first certificate ever bound, the same one coming
        // back, or an older one found elsewhere keep the generation (and the reference).
        const bool renewed =
            !ref_sha.empty() && sha != ref_sha &&
            (!ref_not_after || to_unix(cert->info.not_after) > to_unix(*ref_not_after));
        const bool new_reference = ref_sha.empty() || renewed;
        CW_TRY_ASSIGN(u, c.prepare("bind certificate",
                                   "UPDATE credentials SET not_after = ?2, "
                                   "certificate_sha256 = ?3, certificate_location = ?4, "
                                   "reference_sha256 = IIF(?6, ?3, reference_sha256), "
                                   "reference_not_after = IIF(?6, ?2, "
                                   "reference_not_after), "
                                   "generation = generation + ?5 WHERE id = ?1"));
        u.bind(1, id).bind(2, cert->info.not_after).bind(3, sha).bind(4, cert->location);
        u.bind(5, renewed ? 1 : 0).bind(6, new_reference);
        CW_TRY(u.run());
        return write_audit(c, now, actor, "certificate-bound", id, old_text,
                           describe_certificate(cert->info.not_after, sha));
    });
}

// --- reminders -----------------------------------------------------------------------------

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

// --- inventory -----------------------------------------------------------------------------

Status Store::replace_inventory(std::string_view origin, const ScanResult& scan) {
    auto& c = impl_->conn;
    return c.transaction("replace inventory", Tx::write, [&]() -> Status {
        const TimePoint now = impl_->clock.now();
        std::map<std::pair<std::string, std::string>, std::int64_t> first_seen;
        {
            CW_TRY_ASSIGN(s, c.prepare("replace inventory",
                                       "SELECT location, sha256, first_seen FROM inventory "
                                       "WHERE origin = ?1"));
            s.bind(1, origin);
            CW_TRY_ASSIGN(rows, collect_rows(s, [](const Statement& row) {
                              return std::pair(std::pair(row.text(0), row.text(1)), row.int64(2));
                          }));
            first_seen.insert(rows.begin(), rows.end());
        }
        for (const char* sql : {"DELETE FROM inventory WHERE origin = ?1",
                                "DELETE FROM inventory_failures WHERE origin = ?1"}) {
            CW_TRY_ASSIGN(d, c.prepare("replace inventory", sql));
            d.bind(1, origin);
            CW_TRY(d.run());
        }
        CW_TRY_ASSIGN(
            ins, c.prepare("replace inventory",
                           "INSERT INTO inventory (origin, location, source, owner, subject, "
                           "issuer, serial, not_before, not_after, sha1, sha256, is_ca, key_usage, "
                           "first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                           "?10, ?11, ?12, ?13, ?14, ?15) "
                           "ON CONFLICT (origin, location, sha256) DO NOTHING"));
        for (const auto& found : scan.certificates) {
            const auto& info = found.info;
            const std::string sha = lower_ascii(info.sha256);
            auto seen = first_seen.find(std::pair(found.location, sha));
            const std::int64_t first = seen != first_seen.end() ? seen->second : to_unix(now);
            ins.bind(1, origin).bind(2, found.location).bind(3, found.source);
            ins.bind(4, found.owner).bind(5, info.subject).bind(6, info.issuer);
            ins.bind(7, info.serial).bind(8, info.not_before).bind(9, info.not_after);
            ins.bind(10, lower_ascii(info.sha1)).bind(11, sha).bind(12, info.is_ca);
            ins.bind(13, join(info.key_usage, ',')).bind(14, first).bind(15, now);
            CW_TRY(ins.run());
            ins.reset();
        }
        CW_TRY_ASSIGN(fail, c.prepare("replace inventory",
                                      "INSERT INTO inventory_failures (origin, location, "
                                      "code, error, seen) VALUES (?1, ?2, ?3, ?4, ?5)"));
        for (const auto& f : scan.failures) {
            fail.bind(1, origin).bind(2, f.location).bind(3, to_string(f.code));
            fail.bind(4, f.error).bind(5, now);
            CW_TRY(fail.run());
            fail.reset();
        }
        return {};
    });
}

Result<std::vector<InventoryEntry>> Store::inventory() {
    auto& c = impl_->conn;
    return c.transaction("list inventory", Tx::read, [&]() -> Result<std::vector<InventoryEntry>> {
        CW_TRY_ASSIGN(
            s, c.prepare("list inventory",
                         "SELECT i.location, i.source, i.owner, i.subject, i.issuer, i.serial, "
                         "i.not_before, i.not_after, i.sha1, i.sha256, i.is_ca, i.key_usage, "
                         "i.first_seen, i.last_seen, "
                         "COALESCE((SELECT b.credential_id FROM inventory_bindings b "
                         "          WHERE b.sha256 = i.sha256), "
                         "         (SELECT c.id FROM credentials c "
                         "          WHERE c.certificate_sha256 = i.sha256 ORDER BY c.id LIMIT 1), "
                         "         '') "
                         "FROM inventory i ORDER BY i.origin, i.location, i.sha256"));
        return collect_rows(s, [](const Statement& row) {
            InventoryEntry e;
            e.certificate.location = row.text(0);
            e.certificate.source = row.text(1);
            e.certificate.owner = row.text(2);
            auto& info = e.certificate.info;
            info.subject = row.text(3);
            info.issuer = row.text(4);
            info.serial = row.text(5);
            info.not_before = row.time(6);
            info.not_after = row.time(7);
            info.sha1 = row.text(8);
            info.sha256 = row.text(9);
            info.is_ca = row.int64(10) != 0;
            info.key_usage = split(row.text(11), ',');
            e.first_seen = row.time(12);
            e.last_seen = row.time(13);
            e.bound_credential = row.text(14);
            return e;
        });
    });
}

Result<std::vector<InventoryFailure>> Store::inventory_failures() {
    auto& c = impl_->conn;
    return c.transaction(
        "list inventory failures", Tx::read, [&]() -> Result<std::vector<InventoryFailure>> {
            CW_TRY_ASSIGN(s, c.prepare("list inventory failures",
                                       "SELECT location, code, error, seen FROM "
                                       "inventory_failures ORDER BY origin, location, id"));
            return collect_rows(s, [](const Statement& row) {
                InventoryFailure f;
                f.failure.location = row.text(0);
                f.failure.code = errc_from_name(row.text(1));
                f.failure.error = row.text(2);
                f.seen = row.time(3);
                return f;
            });
        });
}

Status Store::bind_inventory(std::string_view sha256, std::string_view credential_id,
                             const Actor& actor) {
    const std::string sha = lower_ascii(sha256);
    if (!is_sha256_hex(sha)) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("\"{}\" is not a SHA-256 fingerprint (64 hex digits)", sha256));
    }
    auto& c = impl_->conn;
    return c.transaction("bind inventory certificate", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(exists, credential_exists(c, credential_id));
        if (!exists) return credential_not_found(credential_id);
        std::string previous;
        {
            CW_TRY_ASSIGN(s, c.prepare("bind inventory certificate",
                                       "SELECT credential_id FROM inventory_bindings "
                                       "WHERE sha256 = ?1"));
            s.bind(1, sha);
            CW_TRY_ASSIGN(row, s.step());
            if (row) previous = s.text(0);
        }
        if (previous == credential_id) return {};  // already bound so
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(u, c.prepare("bind inventory certificate",
                                   "INSERT INTO inventory_bindings (sha256, credential_id, "
                                   "bound_at, os_user) VALUES (?1, ?2, ?3, ?4) "
                                   "ON CONFLICT (sha256) DO UPDATE SET "
                                   "credential_id = excluded.credential_id, "
                                   "bound_at = excluded.bound_at, "
                                   "os_user = excluded.os_user"));
        u.bind(1, sha).bind(2, credential_id).bind(3, now).bind(4, actor.os_user);
        CW_TRY(u.run());
        return write_audit(c, now, actor, "inventory-bound", credential_id,
                           previous.empty() ? std::string{} : "was " + previous, "sha256:" + sha);
    });
}

// --- outbox --------------------------------------------------------------------------------

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

// --- audit ---------------------------------------------------------------------------------

Result<std::vector<AuditEntry>> Store::audit(std::size_t limit) {
    auto& c = impl_->conn;
    return c.transaction("read audit", Tx::read, [&]() -> Result<std::vector<AuditEntry>> {
        CW_TRY_ASSIGN(s, c.prepare("read audit",
                                   "SELECT id, at, os_user, via, action, target, old_value, "
                                   "new_value FROM audit ORDER BY id DESC LIMIT ?1"));
        s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(
                      limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()))));
        return collect_rows(s, [](const Statement& row) {
            AuditEntry e;
            e.id = row.int64(0);
            e.at = row.time(1);
            e.os_user = row.text(2);
            e.via = row.text(3);
            e.action = row.text(4);
            e.target = row.text(5);
            e.old_value = row.text(6);
            e.new_value = row.text(7);
            return e;
        });
    });
}

}  // namespace credwatch
