// Opening the store with recovery: a damaged database is moved aside (never deleted) and the
// newest backup that passes integrity_check takes its place; the audit rows that the damaged
// file still gives up and that are newer than the backup are reported as possibly lost.

#include "credwatch/store/integrity.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/strings.hpp"
#include "sqlite.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <system_error>

namespace credwatch {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSidecars[] = {"-wal", "-shm"};

fs::path with_suffix(fs::path p, std::string_view suffix) {
    p += std::string(suffix);
    return p;
}

// What is wrong with the database file, or nothing when it can be opened as it is (a missing
// file is a new ledger unless backups exist); `checked` tells whether quick_check passed.
struct Diagnosis {
    std::optional<std::string> problem;
    bool checked = false;
};

Diagnosis diagnose(const fs::path& database, const fs::path& folder) {
    std::error_code ec;
    if (!fs::exists(database, ec)) {
        if (!list_backups(folder).empty())
            return {std::string("the database file is missing although backups exist")};
        return {};
    }
    if (fs::is_regular_file(database, ec) && fs::file_size(database, ec) == 0 && !ec)
        return {std::string("the database file is empty (0 bytes)")};
    IntegrityResult quick = check_integrity(database, IntegrityLevel::quick);
    if (quick.ok) return {std::nullopt, true};
    if (quick.busy) return {};  // a lock is Store::open's to report
    return {"PRAGMA quick_check: " + quick.detail};
}

// The largest audit id of a good database (0 when it has none).
std::int64_t last_audit_id(const fs::path& database) {
    sqlite3* raw = nullptr;
    const std::string name = path_to_utf8(database);
    sqlite3_open_v2(name.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    sqlite::DatabasePtr db(raw);
    sqlite3_stmt* s = nullptr;
    if (!db ||
        sqlite3_prepare_v2(db.get(), "SELECT max(id) FROM audit", -1, &s, nullptr) != SQLITE_OK)
        return 0;
    sqlite::StatementPtr stmt(s);
    return sqlite3_step(stmt.get()) == SQLITE_ROW ? sqlite3_column_int64(stmt.get(), 0) : 0;
}

// Moves the database and its -wal/-shm to <database>.damaged-<stamp>(-N).
Result<fs::path> move_aside(const fs::path& database, TimePoint now) {
    fs::path target = with_suffix(database, ".damaged-" + compact_local_stamp(now));
    std::error_code ec;
    for (int n = 2; fs::exists(target, ec); ++n)
        target = with_suffix(database, fmt::format(".damaged-{}-{}", compact_local_stamp(now), n));
    if (!fs::exists(database, ec)) return fs::path{};
    fs::rename(database, target, ec);
    if (ec)
        return make_error(Errc::io_error,
                          fmt::format("cannot move the damaged database {} aside to {}: {}",
                                      path_to_utf8(database), path_to_utf8(target), ec.message()));
    for (const char* suffix : kSidecars) {
        const fs::path side = with_suffix(database, suffix);
        if (!fs::exists(side, ec)) continue;
        fs::rename(side, with_suffix(target, suffix), ec);
        if (ec)
            return make_error(Errc::io_error, fmt::format("cannot move {} aside: {}",
                                                          path_to_utf8(side), ec.message()));
    }
    return target;
}

}  // namespace

AuditSalvage salvage_audit(const fs::path& damaged, std::int64_t after_id) {
    AuditSalvage out;
    sqlite3* raw = nullptr;
    const std::string name = path_to_utf8(damaged);
    const int rc = sqlite3_open_v2(name.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    sqlite::DatabasePtr db(raw);
    if (rc != SQLITE_OK) {
        out.problem = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return out;
    }
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db.get(),
                           "SELECT id, at, os_user, action, target FROM audit WHERE id > ?1 "
                           "ORDER BY id",
                           -1, &s, nullptr) != SQLITE_OK) {
        out.problem = sqlite3_errmsg(db.get());
        return out;
    }
    sqlite::StatementPtr stmt(s);
    sqlite3_bind_int64(stmt.get(), 1, after_id);
    auto text = [&](int col) {
        const unsigned char* p = sqlite3_column_text(stmt.get(), col);
        return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    };
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        PossiblyLostChange c;
        c.id = sqlite3_column_int64(stmt.get(), 0);
        c.at = sql::from_unix(sqlite3_column_int64(stmt.get(), 1));
        c.os_user = text(2);
        c.action = text(3);
        c.target = text(4);
        out.rows.push_back(std::move(c));
    }
    out.complete = step == SQLITE_DONE;
    if (!out.complete) out.problem = sqlite3_errmsg(db.get());
    return out;
}

std::string describe(const PossiblyLostChange& c) {
    return fmt::format("{} {} {} by {}", c.target.empty() ? std::string("-") : c.target, c.action,
                       format_local(c.at), c.os_user.empty() ? std::string("?") : c.os_user);
}

Result<OpenedStore> open_store_with_recovery(const fs::path& database, const Clock& clock,
                                             RecoveryOptions options) {
    OpenedStore opened;
    const fs::path folder = backup_folder_for(database, options.store.backup_folder);
    const Diagnosis diagnosis = diagnose(database, folder);
    const auto& problem = diagnosis.problem;
    if (!problem) {
        if (options.allow_empty)
            spdlog::info("store: {} passes its quick_check: nothing to recover, opened as it is",
                         path_to_utf8(database));
        StoreOptions store_options = options.store;
        store_options.quick_checked = diagnosis.checked;
        CW_TRY_ASSIGN(store, Store::open(database, clock, store_options));
        opened.store = std::move(store);
        return opened;
    }
    RecoveryReport& report = opened.report;
    report.problem = *problem;
    const std::string file = path_to_utf8(database);
    spdlog::error("store: {} is damaged: {}", file, *problem);

    // The newest backup that passes integrity_check; a failing one is skipped, not deleted.
    std::optional<BackupFile> good;
    for (const auto& candidate : list_backups(folder)) {
        IntegrityResult check = check_integrity(candidate.path, IntegrityLevel::full);
        if (check.ok) {
            good = candidate;
            break;
        }
        spdlog::error("store: backup {} fails its integrity check, skipped: {}",
                      path_to_utf8(candidate.path), check.detail);
    }
    if (!good && !options.allow_empty) {
        const fs::path data_dir = database.parent_path();
        return make_error(
            Errc::database_error,
            fmt::format("database {} is damaged ({}) and no backup in {} passes its integrity "
                        "check; the damaged file is left as it is. To move it aside and start on "
                        "an empty ledger, run: credwatch-service --data-dir {} --recover-empty",
                        file, *problem, path_to_utf8(folder), path_to_utf8(data_dir)));
    }

    CW_TRY_ASSIGN(aside, move_aside(database, clock.now()));
    report.recovered = true;
    report.damaged_file = aside;
    if (!aside.empty())
        spdlog::error("store: the damaged database was moved to {}", path_to_utf8(aside));

    std::int64_t after_id = 0;
    if (good) {
        CW_TRY(write_backup(good->path, database));
        report.restored_from = good->path;
        report.backup_taken_at = good->stamp.instant();
        after_id = last_audit_id(database);
        spdlog::error("store: {} restored from the backup {} of {}", file, path_to_utf8(good->path),
                      format_local(*report.backup_taken_at));
    } else {
        report.started_empty = true;
        spdlog::error("store: no good backup: {} starts on an EMPTY ledger (--recover-empty)",
                      file);
    }
    if (!aside.empty()) {
        AuditSalvage salvage = salvage_audit(aside, after_id);
        report.possibly_lost = std::move(salvage.rows);
        report.lost_list_complete = salvage.complete;
        report.lost_list_problem = std::move(salvage.problem);
        for (const auto& change : report.possibly_lost)
            spdlog::error("store: recorded after the backup and possibly lost: {}",
                          describe(change));
        if (!report.lost_list_complete)
            spdlog::error("store: the audit table of {} could not be read to its end: {}",
                          path_to_utf8(aside), report.lost_list_problem);
    }
    StoreOptions store_options = options.store;
    store_options.quick_checked = good.has_value();  // write_backup ran integrity_check on it
    CW_TRY_ASSIGN(store, Store::open(database, clock, store_options));
    opened.store = std::move(store);
    return opened;
}

}  // namespace credwatch
