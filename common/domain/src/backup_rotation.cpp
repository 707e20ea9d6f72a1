#include "credwatch/domain/backup_rotation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

namespace credwatch {

using namespace std::chrono;

namespace {

constexpr std::string_view kPrefix = "credwatch-";
constexpr std::string_view kSuffix = ".db";

std::optional<int> digits(std::string_view text) {
    int value = 0;
    for (char c : text)
        if (c < '0' || c > '9') return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The Monday that starts the ISO week of `d`.
sys_days week_of(Date d) {
    const sys_days day{d};
    const weekday wd{day};
    return day - days{wd.iso_encoding() - 1};
}

}  // namespace

TimePoint BackupStamp::instant() const {
    return local_midnight(day) + seconds{second_of_day};
}

BackupStamp backup_stamp(TimePoint at) {
    const Date day = local_date(at);
    auto since_midnight = duration_cast<seconds>(at - local_midnight(day)).count();
    return BackupStamp{day, static_cast<int>(std::clamp<std::int64_t>(since_midnight, 0, 86399))};
}

std::string compact_local_stamp(TimePoint at) {
    const BackupStamp s = backup_stamp(at);
    return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}", static_cast<int>(s.day.year()),
                       static_cast<unsigned>(s.day.month()), static_cast<unsigned>(s.day.day()),
                       s.second_of_day / 3600, s.second_of_day / 60 % 60, s.second_of_day % 60);
}

std::string backup_file_name(TimePoint at) {
    return fmt::format("{}{}{}", kPrefix, compact_local_stamp(at), kSuffix);
}

std::optional<BackupStamp> parse_backup_file_name(std::string_view name) {
    // credwatch-YYYYMMDD-HHMMSS.db
    if (name.size() != kPrefix.size() + 15 + kSuffix.size() || !name.starts_with(kPrefix) ||
        !name.ends_with(kSuffix))
        return std::nullopt;
    const std::string_view stamp = name.substr(kPrefix.size(), 15);
    if (stamp[8] != '-') return std::nullopt;
    auto y = digits(stamp.substr(0, 4)), mo = digits(stamp.substr(4, 2)),
         d = digits(stamp.substr(6, 2)), h = digits(stamp.substr(9, 2)),
         mi = digits(stamp.substr(11, 2)), s = digits(stamp.substr(13, 2));
    if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
    const Date day{year{*y}, month{static_cast<unsigned>(*mo)},
                   std::chrono::day{static_cast<unsigned>(*d)}};
    if (!day.ok() || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
    return BackupStamp{day, *h * 3600 + *mi * 60 + *s};
}

std::vector<std::string> backups_to_delete(const std::vector<std::string>& names,
                                           const BackupPolicy& policy) {
    std::vector<std::pair<BackupStamp, std::string>> backups;
    for (const auto& n : names)
        if (auto stamp = parse_backup_file_name(n)) backups.emplace_back(*stamp, n);
    // Newest first; equal stamps cannot occur for distinct names of this format.
    std::sort(backups.begin(), backups.end(), [](const auto& a, const auto& b) { return a > b; });

    std::set<std::string> keep;
    auto keep_newest_per = [&](int count, auto period_of) {
        std::set<decltype(period_of(Date{}))> periods;
        for (const auto& [stamp, name] : backups) {
            if (static_cast<int>(periods.size()) >= count) break;
            if (periods.insert(period_of(stamp.day)).second) keep.insert(name);
        }
    };
    keep_newest_per(policy.daily, [](Date d) { return sys_days{d}; });
    keep_newest_per(policy.weekly, week_of);
    keep_newest_per(policy.monthly, [](Date d) { return d.year() / d.month(); });
    if (!backups.empty()) keep.insert(backups.front().second);

    std::vector<std::string> out;
    for (const auto& [stamp, name] : backups)
        if (!keep.contains(name)) out.push_back(name);
    return out;
}

}  // namespace credwatch
