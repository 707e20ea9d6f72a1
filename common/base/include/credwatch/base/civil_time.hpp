#pragma once
// Calendar dates in the machine's local time zone. Days left are counted in local calendar
// days, so a DST change or an odd UTC offset never shifts a deadline by one.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>

namespace credwatch {

using Date = std::chrono::year_month_day;

// The broken-down local time at t (localtime_r / localtime_s).
std::tm local_tm(std::time_t t);

// The local calendar date at instant t (localtime_r / localtime_s).
Date local_date(TimePoint t);
// The instant local midnight starts on date d (mktime with tm_isdst = -1).
TimePoint local_midnight(Date d);
// Whole calendar days from a to b (b - a).
int days_between(Date a, Date b);
Date add_days(Date d, int days);

// "2026-11-21"
std::string format_date(Date d);
// Accepts YYYY-MM-DD; names the text and the reason on failure.
[[nodiscard]] Result<Date> parse_date(std::string_view text);

// ISO 8601 UTC, "2026-11-21T03:04:05Z".
std::string format_utc(TimePoint t);
// Accepts YYYY-MM-DDTHH:MM:SSZ (and a date alone, meaning UTC midnight).
[[nodiscard]] Result<TimePoint> parse_utc(std::string_view text);
// ISO 8601 with the local offset, "2026-11-21T12:04:05+09:00".
std::string format_local(TimePoint t);

}  // namespace credwatch
