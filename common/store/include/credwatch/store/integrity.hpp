#pragma once
// The health of the database file and its backups (docs/reliability.md): integrity checks on a
// connection of their own (safe on a worker thread), verified online backups with their
// rotation, and opening the store with recovery from the newest good backup.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"
#include "credwatch/domain/backup_rotation.hpp"
#include "credwatch/store/store.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace credwatch {

enum class IntegrityLevel {
    quick,  // PRAGMA quick_check: page structure, at every start
    full,   // PRAGMA integrity_check: also indexes against their tables, once a day
};

struct IntegrityResult {
    bool ok = false;
    std::string detail;  // "ok", the first problems the check reported, or why it could not run
    bool busy = false;   // another connection held the lock: no verdict on the file
};

// Opens `database` read-only on a connection of its own and runs the check.
IntegrityResult check_integrity(const std::filesystem::path& database, IntegrityLevel level);

// The configured folder, or DATA_DIR/backups for DATA_DIR/credwatch.db.
std::filesystem::path backup_folder_for(const std::filesystem::path& database,
                                        const std::filesystem::path& configured = {});

// An online copy of `database` (SQLite's backup API, on a connection of its own) written to
// `target` through a temporary name, checked with integrity_check, given the database file's
// permissions, then renamed. The target's folder is created when missing.
[[nodiscard]] Status write_backup(const std::filesystem::path& database,
                                  const std::filesystem::path& target);
// The same into `folder`, named by `at` (credwatch-YYYYMMDD-HHMMSS.db); returns the file.
[[nodiscard]] Result<std::filesystem::path> write_rotated_backup(
    const std::filesystem::path& database, const std::filesystem::path& folder, TimePoint at);

struct BackupFile {
    std::filesystem::path path;
    BackupStamp stamp;
};
// The backups in `folder`, newest first (only names of the backup format).
std::vector<BackupFile> list_backups(const std::filesystem::path& folder);
// Deletes the backups the policy no longer keeps; returns the names deleted.
[[nodiscard]] Result<std::vector<std::string>> rotate_backups(const std::filesystem::path& folder,
                                                              const BackupPolicy& policy);

// --- recovery at start ---

// An audit row found in the damaged file, newer than the restored backup.
struct PossiblyLostChange {
    std::int64_t id = 0;
    TimePoint at;
    std::string os_user;
    std::string action;
    std::string target;  // the credential id (or reminder, certificate) it concerned
};

struct RecoveryReport {
    bool recovered = false;               // the database was damaged and has been replaced
    bool started_empty = false;           // replaced by an empty ledger (--recover-empty)
    std::string problem;                  // what was wrong with the database
    std::filesystem::path damaged_file;   // where the damaged database was moved (never deleted)
    std::filesystem::path restored_from;  // the backup restored
    std::optional<TimePoint> backup_taken_at;
    // Changes recorded after that backup, as far as they could be read from the damaged file.
    std::vector<PossiblyLostChange> possibly_lost;
    bool lost_list_complete = false;  // the damaged audit table was read to its end
    std::string lost_list_problem;    // why not, when it was not
};

struct RecoveryOptions {
    // No good backup: start on an empty database (the damaged one is still moved aside).
    bool allow_empty = false;
    StoreOptions store;
};

struct OpenedStore {
    std::unique_ptr<Store> store;
    RecoveryReport report;
};

// Opens the store; a database that cannot be opened or fails quick_check is moved aside
// (with -wal and -shm) to credwatch.db.damaged-YYYYMMDD-HHMMSS and replaced by the newest backup
// that passes integrity_check. Without one (and without allow_empty): an error naming the
// command that starts on an empty ledger.
[[nodiscard]] Result<OpenedStore> open_store_with_recovery(const std::filesystem::path& database,
                                                           const Clock& clock,
                                                           RecoveryOptions options = {});

// The rows of the damaged database's audit table with an id above `after_id`, read row by row
// until the first error (what was read is kept).
struct AuditSalvage {
    std::vector<PossiblyLostChange> rows;
    bool complete = false;
    std::string problem;
};
AuditSalvage salvage_audit(const std::filesystem::path& damaged, std::int64_t after_id);

// The line a person reads for one possibly lost change:
// "<credential id> <action> <date> by <user>".
std::string describe(const PossiblyLostChange& change);

}  // namespace credwatch
