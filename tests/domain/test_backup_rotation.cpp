// The rotation rule of the database backups, on names alone.

#include "credwatch/domain/backup_rotation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace credwatch;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

std::string name(Date d, int hour = 3) {
    return backup_file_name(local_midnight(d) + hours{hour});
}

TEST(BackupRotation, NamesRoundTrip) {
    const TimePoint at = local_midnight(2026y / November / 21) + 13h + 4min + 5s;
    EXPECT_EQ(backup_file_name(at), "credwatch-20261121-130405.db");
    auto stamp = parse_backup_file_name("credwatch-20261121-130405.db");
    ASSERT_TRUE(stamp);
    EXPECT_EQ(stamp->instant(), at);
    for (const char* other :
         {"credwatch.db", "credwatch-20261121-130405.db.partial", "credwatch-20261341-130405.db",
          "credwatch-2026112x-130405.db", "credwatch-20261121-250405.db", "notes.txt"})
        EXPECT_FALSE(parse_backup_file_name(other)) << other;
}

TEST(BackupRotation, KeepsTheNewestOfEachDayWeekAndMonth) {
    std::vector<std::string> names;
    const Date first{2026y / January / 1};
    for (int i = 0; i < 120; ++i) names.push_back(name(add_days(first, i)));
    names.push_back(name(add_days(first, 119), 15));          // a second backup on the last day
    names.push_back("credwatch.db.damaged-20260101-000000");  // not a backup: left alone
    auto deleted = backups_to_delete(names, BackupPolicy{3, 2, 2});
    std::set<std::string> kept(names.begin(), names.end());
    for (const auto& d : deleted) kept.erase(d);
    // Last day 2026-04-30 (a Thursday).
    const std::set<std::string> expected{
        name(2026y / April / 30, 15),  // newest: day, week (Mon 27th), month (April)
        name(2026y / April / 29),
        name(2026y / April / 28),  // two more days
        name(2026y / April / 26),  // Sunday ending the week before
        name(2026y / March / 31),  // the month before
        "credwatch.db.damaged-20260101-000000"};
    EXPECT_EQ(kept, expected);
    EXPECT_EQ(std::count(deleted.begin(), deleted.end(), name(2026y / April / 30)), 1);
}

TEST(BackupRotation, FewerBackupsThanThePolicyAreAllKept) {
    std::vector<std::string> names{name(2026y / May / 1), name(2026y / May / 20)};
    EXPECT_TRUE(backups_to_delete(names, BackupPolicy{}).empty());
    EXPECT_TRUE(backups_to_delete({}, BackupPolicy{}).empty());
}

TEST(BackupRotation, TheNewestIsKeptWhateverThePolicy) {
    std::vector<std::string> names{name(2026y / May / 1), name(2026y / May / 2)};
    auto deleted = backups_to_delete(names, BackupPolicy{0, 0, 0});
    EXPECT_EQ(deleted, std::vector<std::string>{name(2026y / May / 1)});
}

}  // namespace
