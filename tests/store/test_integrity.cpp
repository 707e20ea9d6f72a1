// Integrity checks, verified backups, their rotation and recovery at start, on real database
// files damaged the way disks damage them (bytes overwritten in the middle, a truncated file).

#include "credwatch/store/integrity.hpp"

#include "credwatch/base/civil_time.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <string>

using namespace credwatch;
using namespace std::chrono;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

#define ASSERT_OK(expr)                                                           \
    do {                                                                          \
        const auto& cw_r = (expr);                                                \
        ASSERT_TRUE(cw_r) << #expr << ": " << (cw_r ? "" : cw_r.error().message); \
    } while (false)

const TimePoint kStart = sys_days{2026y / March / 10} + 12h;

// First column of the first row of `sql` on a read-only connection ("" when none or an error).
std::string query(const fs::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(file.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return out;
}

std::string file_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

Credential make_credential(const std::string& id) {
    Credential c;
    c.id = id;
    c.system = "cancer-registry";
    c.kind = "certificate-issuance";
    c.label = "がん登録 " + id;
    return c;
}

FoundCertificate make_cert(int n) {
    FoundCertificate f;
    f.location = fmt::format("/certs/cert-{:05}.pem", n);
    f.source = "file";
    f.owner = "machine";
    f.info.subject = fmt::format("CN=Clinic workstation {},O=Example Hospital", n);
    f.info.issuer = "CN=Online Billing NW Common Root CA";
    f.info.serial = fmt::format("{:016x}", n);
    f.info.not_before = sys_days{2025y / January / 1};
    f.info.not_after = sys_days{2027y / January / 1};
    f.info.sha1 = fmt::format("{:040x}", n);
    f.info.sha256 = fmt::format("{:064x}", n * 7919);
    return f;
}

class IntegrityTest : public ::testing::Test {
  protected:
    std::unique_ptr<Store> open_store() {
        auto store = Store::open(db, clock);
        if (!store) {
            ADD_FAILURE() << "open failed: " << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }

    // A real multi-page ledger: credentials with their audit rows and a large inventory.
    void fill(Store& store) {
        for (int i = 0; i < 20; ++i)
            ASSERT_OK(
                store.add_credential(make_credential(fmt::format("clinic/c{:02}", i)), yamada));
        ScanResult scan;
        for (int i = 0; i < 2000; ++i) scan.certificates.push_back(make_cert(i));
        ASSERT_OK(store.replace_inventory("machine-folders", scan));
    }

    // Overwrites a few hundred bytes in the middle of the file: the inside of an index of the
    // inventory (a multi-page b-tree), so that the audit table itself stays readable.
    void damage_in_the_middle() {
        const int page_size = std::stoi(query(db, "PRAGMA page_size"));
        const int root = std::stoi(
            query(db, "SELECT rootpage FROM sqlite_master WHERE name = 'inventory_by_sha256'"));
        const auto pages = static_cast<std::int64_t>(fs::file_size(db) / page_size);
        ASSERT_GT(pages, 100) << "the test database must span many pages";
        std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(root - 1) * page_size + 8);
        const std::string garbage(300, '\xA5');
        f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
        ASSERT_TRUE(f.good());
    }

    test::TempDir dir{"credwatch-integrity"};
    fs::path db = dir / "credwatch.db";
    fs::path backups = dir / "backups";
    ManualClock clock{kStart};
    Actor yamada{"yamada", "cli"};
};

// --- integrity checks ----------------------------------------------------------------------

TEST_F(IntegrityTest, QuickCheckPassesOnAHealthyDatabaseAndFailsOnADamagedOne) {
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        fill(*store);
    }
    EXPECT_TRUE(check_integrity(db, IntegrityLevel::quick).ok);
    EXPECT_TRUE(check_integrity(db, IntegrityLevel::full).ok);
    damage_in_the_middle();
    const auto quick = check_integrity(db, IntegrityLevel::quick);
    EXPECT_FALSE(quick.ok);
    EXPECT_FALSE(quick.detail.empty());
    EXPECT_FALSE(check_integrity(db, IntegrityLevel::full).ok);
    // Opening the store runs quick_check: the damage is found at once, not at some later read.
    auto store = Store::open(db, clock);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, Errc::database_error);
    EXPECT_NE(store.error().message.find("quick_check"), std::string::npos)
        << store.error().message;
}

// --- backups -------------------------------------------------------------------------------

TEST_F(IntegrityTest, BackupIsWrittenCheckedAndHasTheDatabasesMode) {
    auto store = open_store();
    ASSERT_TRUE(store);
    fill(*store);
    fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
                    fs::perm_options::replace);
    auto written = write_rotated_backup(db, backups, clock.now());  // the store is still open
    ASSERT_OK(written);
    EXPECT_EQ(written->parent_path(), backups);
    EXPECT_EQ(written->filename().string(), backup_file_name(clock.now()));
    EXPECT_EQ(fs::status(*written).permissions(), fs::status(db).permissions());
    EXPECT_TRUE(check_integrity(*written, IntegrityLevel::full).ok);
    EXPECT_EQ(query(*written, "SELECT count(*) FROM credentials"), "20");
    EXPECT_EQ(query(*written, "SELECT count(*) FROM inventory"), "2000");
    // One self-contained file, nothing left under a temporary name.
    std::set<std::string> files;
    for (const auto& e : fs::directory_iterator(backups))
        files.insert(e.path().filename().string());
    EXPECT_EQ(files, std::set<std::string>{written->filename().string()});
}

TEST_F(IntegrityTest, BackupOfADamagedDatabaseIsRefusedAndLeavesNoFile) {
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        fill(*store);
    }
    damage_in_the_middle();
    auto written = write_rotated_backup(db, backups, clock.now());
    ASSERT_FALSE(written);
    EXPECT_NE(written.error().message.find("integrity"), std::string::npos)
        << written.error().message;
    EXPECT_TRUE(list_backups(backups).empty());
    EXPECT_TRUE(fs::is_empty(backups));
}

TEST_F(IntegrityTest, BackupBeforeAMigration) {
    {
        auto store = open_store();
        ASSERT_TRUE(store);
    }
    // Back to schema version 4 (learnt matches and replaced certificates came with 5, check
    // results with 6): the next open migrates, backup first.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.string().c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "DROP TABLE learnt_matches; DROP TABLE certificate_replacements; "
                           "DROP TABLE check_results; "
                           "ALTER TABLE inventory DROP COLUMN extended_key_usage; "
                           "PRAGMA user_version = 4;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    clock.advance(1h);
    auto store = open_store();
    ASSERT_TRUE(store);
    auto found = list_backups(backups);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(query(found.front().path, "PRAGMA user_version"), "4");
    EXPECT_TRUE(check_integrity(found.front().path, IntegrityLevel::full).ok);
}

// 400 days of one backup a day (and a second one on some days), rotated after each: what is
// left is the newest of each of the last 7 days, 4 ISO weeks and 12 months.
TEST_F(IntegrityTest, RotationOver400DaysKeepsDailyWeeklyAndMonthlyBackups) {
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        ASSERT_OK(store->add_credential(make_credential("clinic/c00"), yamada));
    }
    const BackupPolicy policy{7, 4, 12};
    const Date first{2026y / January / 1};
    clock.set(local_midnight(first) + 3h);
    std::set<std::string> deleted_ever;
    Date today = first;
    for (int day = 0; day < 400; ++day) {
        today = local_date(clock.now());
        auto written = write_rotated_backup(db, backups, clock.now());
        ASSERT_OK(written);
        fs::path newest = *written;
        if (day % 10 == 0) {  // a backup on demand the same day, later
            auto later = write_rotated_backup(db, backups, clock.now() + 9h);
            ASSERT_OK(later);
            newest = *later;
        }
        auto deleted = rotate_backups(backups, policy);
        ASSERT_OK(deleted);
        for (const auto& d : *deleted) EXPECT_TRUE(deleted_ever.insert(d).second) << d;
        // The newest backup is never deleted.
        EXPECT_EQ(list_backups(backups).front().path, newest) << day;
        clock.advance(24h);
    }
    // Expected from the calendar: the last backup of each kept day.
    auto last_of = [&](Date d) {
        const bool second = days_between(first, d) % 10 == 0;
        return backup_file_name(local_midnight(d) + 3h + (second ? 9h : 0h));
    };
    std::set<std::string> expected;
    for (int i = 0; i < 7; ++i) expected.insert(last_of(add_days(today, -i)));
    // Weeks: today (in the current week), then the Sundays that end the three weeks before.
    expected.insert(last_of(today));
    Date sunday = today;
    while (weekday{sys_days{sunday}} != Sunday) sunday = add_days(sunday, -1);
    if (sunday == today) sunday = add_days(sunday, -7);
    for (int i = 0; i < 3; ++i) expected.insert(last_of(add_days(sunday, -7 * i)));
    // Months: today, then the last day of each of the 11 months before.
    Date month_end = add_days(Date{today.year() / today.month() / 1d}, -1);
    for (int i = 0; i < 11; ++i) {
        expected.insert(last_of(month_end));
        month_end = add_days(Date{month_end.year() / month_end.month() / 1d}, -1);
    }
    std::set<std::string> kept;
    for (const auto& b : list_backups(backups)) kept.insert(b.path.filename().string());
    EXPECT_EQ(kept, expected);
    EXPECT_LE(kept.size(), 7u + 4u + 12u);
    EXPECT_EQ(kept.size() + deleted_ever.size(), 400u + 40u);
}

// --- recovery at start ---------------------------------------------------------------------

class RecoveryTest : public IntegrityTest {
  protected:
    // Changes, a backup, more changes, then the damage.
    void ledger_backup_more_changes_then(const std::function<void()>& damage) {
        {
            auto store = open_store();
            ASSERT_TRUE(store);
            fill(*store);
            ASSERT_OK(store->record_renewal("clinic/c01", Date{2026y / March / 1}, yamada));
            ASSERT_OK(write_rotated_backup(db, backups, clock.now()));
            backup_at = clock.now();
            clock.advance(2h);
            ASSERT_OK(store->record_issuance("clinic/c05", Actor{"suzuki", "tray"}));
            clock.advance(1h);
            ASSERT_OK(store->record_renewal("clinic/c07", Date{2026y / March / 10}, yamada));
        }
        damage();
    }

    TimePoint backup_at;
};

TEST_F(RecoveryTest, DamagedDatabaseIsReplacedByTheBackupAndLaterChangesAreListed) {
    ledger_backup_more_changes_then([&] { damage_in_the_middle(); });
    const std::string damaged_bytes = file_bytes(db);
    clock.advance(24h);
    auto opened = open_store_with_recovery(db, clock, {false, {}});
    ASSERT_OK(opened);
    const RecoveryReport& r = opened->report;
    EXPECT_TRUE(r.recovered);
    EXPECT_FALSE(r.started_empty);
    EXPECT_NE(r.problem.find("quick_check"), std::string::npos) << r.problem;
    EXPECT_EQ(r.restored_from.parent_path(), backups);
    ASSERT_TRUE(r.backup_taken_at);
    EXPECT_EQ(*r.backup_taken_at, floor<seconds>(backup_at));
    // The damaged file is kept, byte for byte, beside the database.
    EXPECT_EQ(r.damaged_file, dir / ("credwatch.db.damaged-" + compact_local_stamp(clock.now())));
    EXPECT_EQ(file_bytes(r.damaged_file), damaged_bytes);
    // The ledger is the backup's: the issuance after it is not there.
    auto c05 = opened->store->credential("clinic/c05");
    ASSERT_OK(c05);
    EXPECT_EQ(c05->issued, 0);
    auto c01 = opened->store->credential("clinic/c01");
    ASSERT_OK(c01);
    EXPECT_EQ(c01->renewed_on, std::optional<Date>(2026y / March / 1));
    EXPECT_TRUE(check_integrity(db, IntegrityLevel::full).ok);
    // What was recorded after the backup, read from the damaged file.
    ASSERT_EQ(r.possibly_lost.size(), 2u);
    EXPECT_TRUE(r.lost_list_complete) << r.lost_list_problem;
    EXPECT_EQ(r.possibly_lost[0].target, "clinic/c05");
    EXPECT_EQ(r.possibly_lost[0].action, "issued");
    EXPECT_EQ(r.possibly_lost[0].os_user, "suzuki");
    EXPECT_EQ(r.possibly_lost[1].target, "clinic/c07");
    EXPECT_EQ(r.possibly_lost[1].action, "renewed");
    EXPECT_EQ(describe(r.possibly_lost[0]),
              "clinic/c05 issued " + format_local(kStart + 2h) + " by suzuki");
    // The store works: a new change is recorded.
    ASSERT_OK(opened->store->record_issuance("clinic/c05", yamada));
}

TEST_F(RecoveryTest, TruncatedDatabaseIsRecovered) {
    ledger_backup_more_changes_then([&] { fs::resize_file(db, fs::file_size(db) / 2); });
    auto opened = open_store_with_recovery(db, clock, {});
    ASSERT_OK(opened);
    EXPECT_TRUE(opened->report.recovered);
    EXPECT_TRUE(fs::exists(opened->report.damaged_file));
    EXPECT_FALSE(opened->report.restored_from.empty());
    EXPECT_TRUE(check_integrity(db, IntegrityLevel::full).ok);
    auto all = opened->store->credentials();
    ASSERT_OK(all);
    EXPECT_EQ(all->size(), 20u);
}

TEST_F(RecoveryTest, EmptiedDatabaseFileIsRecovered) {
    ledger_backup_more_changes_then([&] { fs::resize_file(db, 0); });
    auto opened = open_store_with_recovery(db, clock, {});
    ASSERT_OK(opened);
    EXPECT_TRUE(opened->report.recovered);
    auto all = opened->store->credentials();
    ASSERT_OK(all);
    EXPECT_EQ(all->size(), 20u);
}

TEST_F(RecoveryTest, ADamagedNewestBackupIsSkippedForAnOlderGoodOne) {
    ledger_backup_more_changes_then([&] { damage_in_the_middle(); });
    const auto good = list_backups(backups).front().path;
    // A newer backup that is itself damaged.
    const fs::path bad = backups / backup_file_name(clock.now());
    fs::copy_file(db, bad);
    auto opened = open_store_with_recovery(db, clock, {});
    ASSERT_OK(opened);
    EXPECT_EQ(opened->report.restored_from, good);
    EXPECT_TRUE(fs::exists(bad));  // skipped, not deleted
}

TEST_F(RecoveryTest, WithoutAGoodBackupTheStartIsRefusedNamingRecoverEmpty) {
    ledger_backup_more_changes_then([&] { damage_in_the_middle(); });
    fs::remove_all(backups);
    const std::string damaged_bytes = file_bytes(db);
    auto opened = open_store_with_recovery(db, clock, {});
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::database_error);
    const std::string command =
        "credwatch-service --data-dir " + dir.path().string() + " --recover-empty";
    EXPECT_NE(opened.error().message.find(command), std::string::npos) << opened.error().message;
    EXPECT_EQ(file_bytes(db), damaged_bytes);  // left as it is
}

TEST_F(RecoveryTest, RecoverEmptyStartsOnAnEmptyLedgerAndKeepsTheDamagedFile) {
    ledger_backup_more_changes_then([&] { damage_in_the_middle(); });
    fs::remove_all(backups);
    const std::string damaged_bytes = file_bytes(db);
    auto opened = open_store_with_recovery(db, clock, {true, {}});
    ASSERT_OK(opened);
    const RecoveryReport& r = opened->report;
    EXPECT_TRUE(r.recovered);
    EXPECT_TRUE(r.started_empty);
    EXPECT_TRUE(r.restored_from.empty());
    EXPECT_EQ(file_bytes(r.damaged_file), damaged_bytes);
    auto all = opened->store->credentials();
    ASSERT_OK(all);
    EXPECT_TRUE(all->empty());
    // Everything the damaged audit table still gives up is listed (20 adds and 3 changes).
    EXPECT_EQ(r.possibly_lost.size(), 23u);
}

TEST_F(RecoveryTest, AHealthyDatabaseIsOpenedAsItIs) {
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        fill(*store);
    }
    auto opened = open_store_with_recovery(db, clock, {true, {}});
    ASSERT_OK(opened);
    EXPECT_FALSE(opened->report.recovered);
    auto all = opened->store->credentials();
    ASSERT_OK(all);
    EXPECT_EQ(all->size(), 20u);
}

}  // namespace
