// The schema: migrations, opening a database (WAL, busy timeout, foreign keys) and its version.

#include "integrity_internal.hpp"
#include "store_internal.hpp"

#include "credwatch/platform/platform.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <thread>

namespace credwatch {

using namespace std::chrono;
using namespace sql;
using namespace store_detail;

namespace {

struct Migration {
    int version;
    const char* description;
    const char* sql;
};

// Ordered migration steps. A released step is never edited: append a new one instead.
// Each runs in its own BEGIN IMMEDIATE transaction together with `PRAGMA user_version = N`.
constexpr std::array<Migration, 7> kMigrations{{
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
    {4, "issuance ledger rows: how, which certificate, where", R"sql(
-- Each issuance is a row (docs/issuances.md): recorded by a person, seen as a new certificate,
-- or a total stated by the call centre or the site file. Rows are never deleted.
ALTER TABLE issuances ADD COLUMN how TEXT NOT NULL DEFAULT 'recorded'
    CHECK (how IN ('recorded', 'seen', 'stated'));
ALTER TABLE issuances ADD COLUMN certificate_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE issuances ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE issuances ADD COLUMN not_before INTEGER;
ALTER TABLE issuances ADD COLUMN total INTEGER CHECK (total IS NULL OR total >= 0);
ALTER TABLE issuances ADD COLUMN imported_from TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX issuances_by_certificate ON issuances(credential_id, certificate_sha256)
    WHERE certificate_sha256 != '';
-- A count set before the ledger (issued --total, certificates counted by a scan) becomes a
-- stated total as of now: certificates issued before it are covered by it.
INSERT INTO issuances (credential_id, at, os_user, note, how, total)
    SELECT id, CAST(strftime('%s', 'now') AS INTEGER), '', 'count before the issuance ledger',
           'stated', issued
    FROM credentials
    WHERE issued > (SELECT COUNT(*) FROM issuances i WHERE i.credential_id = credentials.id);
)sql"},
    {5, "extended key usage, learnt certificate matches, replaced certificates", R"sql(
ALTER TABLE inventory ADD COLUMN extended_key_usage TEXT NOT NULL DEFAULT '';

-- A kind's match learnt from one confirmed certificate (the catalog names no issuer for it).
CREATE TABLE learnt_matches (
    system           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    issuer           TEXT NOT NULL,
    subject_contains TEXT NOT NULL DEFAULT '',
    learnt_from      TEXT NOT NULL DEFAULT '',
    learnt_at        INTEGER NOT NULL,
    os_user          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (system, kind)
) STRICT;

-- A certificate a renewal took over from (by SHA-256), kept while it is in the inventory.
CREATE TABLE certificate_replacements (
    sha256        TEXT PRIMARY KEY NOT NULL,
    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    replaced_by   TEXT NOT NULL,
    replaced_at   INTEGER NOT NULL
) STRICT;
)sql"},
    {6, "the latest result of each check the service runs", R"sql(
-- One row per check (docs/doctor.md): replaced at every run; failing_since is the start of the
-- current failing episode (NULL when the check is not failing), notified_at the last reminder.
CREATE TABLE check_results (
    system        TEXT NOT NULL,
    id            TEXT NOT NULL,
    state         TEXT NOT NULL,
    evidence_ja   TEXT NOT NULL DEFAULT '',
    evidence_en   TEXT NOT NULL DEFAULT '',
    checked_at    INTEGER NOT NULL,
    failing_since INTEGER,
    notified_at   INTEGER,
    PRIMARY KEY (system, id)
) STRICT;
)sql"},
    {7, "a session check's result is kept per user", R"sql(
-- A check of a user's Credential Manager or certificate stores runs in that user's session and
-- is reported by it (report_checks): one row per check and user. '' is the service's own run.
CREATE TABLE check_results_by_user (
    system        TEXT NOT NULL,
    id            TEXT NOT NULL,
    user          TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,
    evidence_ja   TEXT NOT NULL DEFAULT '',
    evidence_en   TEXT NOT NULL DEFAULT '',
    checked_at    INTEGER NOT NULL,
    failing_since INTEGER,
    notified_at   INTEGER,
    PRIMARY KEY (system, id, user)
) STRICT;
INSERT INTO check_results_by_user (system, id, state, evidence_ja, evidence_en, checked_at,
                                   failing_since, notified_at)
    SELECT system, id, state, evidence_ja, evidence_en, checked_at, failing_since, notified_at
    FROM check_results;
DROP TABLE check_results;
ALTER TABLE check_results_by_user RENAME TO check_results;
)sql"},
}};

constexpr bool migrations_are_consecutive() {
    for (std::size_t i = 0; i < kMigrations.size(); ++i)
        if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
    return true;
}
static_assert(migrations_are_consecutive(), "migration versions must be 1, 2, 3, ...");

constexpr int kLatestVersion = kMigrations.back().version;

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

// The database and its WAL and shared-memory files hold every record: owner only. Files left
// 0644 by an older version are fixed; new ones are created owner-only (SQLite gives -wal and
// -shm the database file's mode).
void restrict_database_files(const std::filesystem::path& database) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        auto path = database;
        path += suffix;
        if (auto st = platform::restrict_file_to_owner(path); !st)
            spdlog::warn("store: {}", st.error().message);
    }
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

int Store::latest_schema_version() noexcept {
    return kLatestVersion;
}

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& database,
                                           const Clock& clock, StoreOptions options) {
    const std::string file = path_to_utf8(database);
    restrict_database_files(database);
    platform::OwnerOnlyCreation owner_only;  // the database, -wal and -shm created below
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
    if (!options.quick_checked) CW_TRY(quick_check_on_open(conn));

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
        CW_TRY(backup_before_migration(conn, version, clock));
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

}  // namespace credwatch
