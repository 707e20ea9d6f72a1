// Integrity checks and verified backups of the database file.

#include "credwatch/store/integrity.hpp"

#include "integrity_internal.hpp"

#include "credwatch/base/strings.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>
#include <thread>

namespace credwatch {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kMaxProblemLines = 5;
constexpr int kBusyTimeoutMs = 5000;

std::string utf8(const fs::path& p) {
    return path_to_utf8(p);
}

fs::path from_utf8(std::string_view text) {
    return fs::path(std::u8string(text.begin(), text.end()));
}

// An own read-only connection; nothing when the file cannot be opened (why in `problem`).
sqlite::DatabasePtr open_read_only(const fs::path& file, std::string& problem) {
    sqlite3* raw = nullptr;
    const std::string name = utf8(file);
    const int rc = sqlite3_open_v2(name.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    sqlite::DatabasePtr db(raw);
    if (rc != SQLITE_OK) {
        problem =
            fmt::format("cannot open {}: {}", name, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
        return nullptr;
    }
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    return db;
}

// Runs quick_check or integrity_check on an open connection.
IntegrityResult run_check(sqlite3* db, IntegrityLevel level) {
    const char* sql =
        level == IntegrityLevel::quick ? "PRAGMA quick_check(5)" : "PRAGMA integrity_check(5)";
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
    sqlite::StatementPtr stmt(raw);
    if (rc != SQLITE_OK) return {false, sqlite3_errmsg(db), sqlite::is_busy(rc)};
    std::vector<std::string> lines;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
        if (static_cast<int>(lines.size()) < kMaxProblemLines)
            lines.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    if (rc != SQLITE_DONE) return {false, sqlite3_errmsg(db), sqlite::is_busy(rc)};
    if (lines.size() == 1 && lines.front() == "ok") return {true, "ok"};
    std::string detail;
    for (const auto& l : lines) detail += (detail.empty() ? "" : "; ") + l;
    return {false, detail.empty() ? std::string("the check returned nothing") : detail};
}

std::string check_name(IntegrityLevel level) {
    return level == IntegrityLevel::quick ? "quick_check" : "integrity_check";
}

Error io_error(const std::string& what, const fs::path& file, const std::error_code& ec) {
    return make_error(Errc::io_error, fmt::format("{} {}: {}", what, utf8(file), ec.message()));
}

// Runs one backup step loop; another process writing makes SQLite restart or wait.
Status copy_pages(sqlite3* source, sqlite3* destination, const fs::path& source_file) {
    sqlite3_backup* backup = sqlite3_backup_init(destination, "main", source, "main");
    if (!backup)
        return make_error(Errc::database_error, fmt::format("backup of {}: {}", utf8(source_file),
                                                            sqlite3_errmsg(destination)));
    int rc = SQLITE_OK;
    for (int attempt = 0; attempt < 100; ++attempt) {
        rc = sqlite3_backup_step(backup, -1);
        if (rc == SQLITE_DONE || !sqlite::is_busy(rc)) break;
        std::this_thread::sleep_for(50ms);
    }
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE)
        return make_error(Errc::database_error,
                          fmt::format("backup of {}: sqlite error {}: {}", utf8(source_file), rc,
                                      sqlite3_errstr(rc)));
    return {};
}

}  // namespace

IntegrityResult check_integrity(const fs::path& database, IntegrityLevel level) {
    std::string problem;
    auto db = open_read_only(database, problem);
    if (!db) return {false, problem};
    return run_check(db.get(), level);
}

fs::path backup_folder_for(const fs::path& database, const fs::path& configured) {
    if (configured.empty()) return database.parent_path() / "backups";
    return configured.is_absolute() ? configured : database.parent_path() / configured;
}

Status write_backup(const fs::path& database, const fs::path& target) {
    std::error_code ec;
    if (!target.parent_path().empty() && !fs::exists(target.parent_path(), ec)) {
        fs::create_directories(target.parent_path(), ec);
        if (ec) return io_error("cannot create the backup folder", target.parent_path(), ec);
        // Backups hold the whole ledger: only the service's account reads them.
        fs::permissions(target.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    }
    fs::path temporary = target;
    temporary += ".partial";
    fs::remove(temporary, ec);
    auto discard = [&] {
        std::error_code ignored;
        fs::remove(temporary, ignored);
    };

    std::string problem;
    auto source = open_read_only(database, problem);
    if (!source) return make_error(Errc::database_error, "backup: " + problem);
    {
        sqlite3* raw = nullptr;
        const std::string name = utf8(temporary);
        const int rc = sqlite3_open_v2(name.c_str(), &raw,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
        sqlite::DatabasePtr destination(raw);
        if (rc != SQLITE_OK) {
            discard();
            return make_error(Errc::io_error,
                              fmt::format("cannot create the backup {}: {}", name,
                                          raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
        }
        if (auto st = copy_pages(source.get(), destination.get(), database); !st) {
            destination.reset();
            discard();
            return st;
        }
        // One self-contained file, without -wal beside it.
        if (sqlite3_exec(destination.get(), "PRAGMA journal_mode = DELETE", nullptr, nullptr,
                         nullptr) != SQLITE_OK) {
            const std::string why = sqlite3_errmsg(destination.get());
            destination.reset();
            discard();
            return make_error(Errc::database_error, fmt::format("backup {}: {}", name, why));
        }
    }
    source.reset();

    if (auto check = check_integrity(temporary, IntegrityLevel::full); !check.ok) {
        discard();
        return make_error(Errc::database_error,
                          fmt::format("the backup of {} failed its integrity check and was "
                                      "discarded: {}",
                                      utf8(database), check.detail));
    }
    const auto mode = fs::status(database, ec).permissions();
    if (!ec) fs::permissions(temporary, mode, fs::perm_options::replace, ec);
    if (ec) {
        discard();
        return io_error("cannot give the backup the database's permissions:", temporary, ec);
    }
    fs::rename(temporary, target, ec);
    if (ec) {
        discard();
        return io_error("cannot rename the backup to", target, ec);
    }
    return {};
}

Result<fs::path> write_rotated_backup(const fs::path& database, const fs::path& folder,
                                      TimePoint at) {
    fs::path target = folder / backup_file_name(at);
    CW_TRY(write_backup(database, target));
    spdlog::info("store: backup of {} written to {}", utf8(database), utf8(target));
    return target;
}

std::vector<BackupFile> list_backups(const fs::path& folder) {
    std::vector<BackupFile> out;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        if (auto stamp = parse_backup_file_name(utf8(it->path().filename())))
            out.push_back({it->path(), *stamp});
    }
    std::sort(out.begin(), out.end(),
              [](const BackupFile& a, const BackupFile& b) { return a.stamp > b.stamp; });
    return out;
}

Result<std::vector<std::string>> rotate_backups(const fs::path& folder,
                                                const BackupPolicy& policy) {
    std::vector<std::string> names;
    for (const auto& b : list_backups(folder)) names.push_back(utf8(b.path.filename()));
    std::vector<std::string> deleted;
    for (const auto& name : backups_to_delete(names, policy)) {
        std::error_code ec;
        fs::remove(folder / from_utf8(name), ec);
        if (ec) return io_error("cannot delete the old backup", folder / from_utf8(name), ec);
        deleted.push_back(name);
    }
    if (!deleted.empty())
        spdlog::info("store: backup rotation deleted {} old backup(s) in {}", deleted.size(),
                     utf8(folder));
    return deleted;
}

namespace store_detail {

Status quick_check_on_open(const sql::Connection& c) {
    IntegrityResult result = run_check(c.db(), IntegrityLevel::quick);
    if (result.ok) return {};
    if (result.busy)
        return make_error(
            Errc::database_locked,
            fmt::format("database {} is locked by another program: {}", c.file(), result.detail));
    spdlog::error("store: {} failed PRAGMA quick_check: {}", c.file(), result.detail);
    return make_error(Errc::database_error,
                      fmt::format("database {} is damaged: PRAGMA {} reports: {}", c.file(),
                                  check_name(IntegrityLevel::quick), result.detail));
}

Status backup_before_migration(const sql::Connection& c, int version, const Clock& clock) {
    if (version <= 0 || version >= Store::latest_schema_version()) return {};
    auto written = write_rotated_backup(
        from_utf8(c.file()), backup_folder_for(from_utf8(c.file()), c.options().backup_folder),
        clock.now());
    if (!written) {
        spdlog::error("store: no backup before migrating {}: {}", c.file(),
                      written.error().message);
        return make_error(Errc::database_error,
                          fmt::format("database {} was not migrated from schema version {}: the "
                                      "backup before the migration failed: {}",
                                      c.file(), version, written.error().message));
    }
    spdlog::info("store: {} backed up to {} before migrating from schema version {}", c.file(),
                 utf8(*written), version);
    return {};
}

}  // namespace store_detail
}  // namespace credwatch
