#pragma once
// The names of the database's backups and which of them a rotation keeps: the newest backup of
// each of the last `daily` days, `weekly` ISO weeks and `monthly` months that have one
// (grandfather-father-son). Pure logic on names; store/ writes and deletes the files.

#include "credwatch/base/civil_time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

struct BackupPolicy {
    int daily = 7;
    int weekly = 4;
    int monthly = 12;
};

// The local date and time of day a backup name carries.
struct BackupStamp {
    Date day{};
    int second_of_day = 0;  // 0..86399

    TimePoint instant() const;  // in the local time zone
    auto operator<=>(const BackupStamp&) const = default;
};

// "credwatch-YYYYMMDD-HHMMSS.db" in local time.
std::string backup_file_name(TimePoint at);
BackupStamp backup_stamp(TimePoint at);
// The stamp of a backup name; nothing for any other name (left alone by the rotation).
std::optional<BackupStamp> parse_backup_file_name(std::string_view name);
// "YYYYMMDD-HHMMSS" (local time): the suffix of a damaged file moved aside.
std::string compact_local_stamp(TimePoint at);

// The backup names (among `names`) that the policy no longer keeps; other names are never
// listed. The newest backup is always kept.
std::vector<std::string> backups_to_delete(const std::vector<std::string>& names,
                                           const BackupPolicy& policy);

}  // namespace credwatch
