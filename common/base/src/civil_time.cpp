#include "credwatch/base/civil_time.hpp"

#include "civil_time_platform.hpp"
#include "credwatch/base/date_text.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <ctime>

namespace credwatch {

namespace {

using namespace std::chrono;

bool parse_int(std::string_view text, int& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

}  // namespace

Date local_date(TimePoint t) {
    std::tm tm = local_tm(system_clock::to_time_t(t));
    return Date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                day{static_cast<unsigned>(tm.tm_mday)}};
}

TimePoint local_midnight(Date d) {
    std::tm tm{};
    tm.tm_year = static_cast<int>(d.year()) - 1900;
    tm.tm_mon = static_cast<int>(static_cast<unsigned>(d.month())) - 1;
    tm.tm_mday = static_cast<int>(static_cast<unsigned>(d.day()));
    tm.tm_isdst = -1;  // let the C library decide whether DST is in force that day
    std::time_t t = std::mktime(&tm);
    return system_clock::from_time_t(t);
}

int days_between(Date a, Date b) {
    return static_cast<int>((sys_days{b} - sys_days{a}).count());
}

Date add_days(Date d, int n) {
    return Date{sys_days{d} + days{n}};
}

std::string format_date(Date d) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::string date_text(Date d, Lang lang) {
    static constexpr std::array<std::string_view, 12> kMonths{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int year = static_cast<int>(d.year());
    const unsigned month = static_cast<unsigned>(d.month());
    const unsigned day = static_cast<unsigned>(d.day());
    if (lang == Lang::ja) return fmt::format("{}年{}月{}日", year, month, day);
    return fmt::format("{} {} {}", day, month >= 1 && month <= 12 ? kMonths[month - 1] : "?", year);
}

Result<Date> parse_date(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return make_error(Errc::invalid_argument,
                          fmt::format("\"{}\" is not a date: {} (expected YYYY-MM-DD)", text, why));
    };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad("wrong shape");
    int y = 0, m = 0, dd = 0;
    if (!all_digits(text.substr(0, 4)) || !all_digits(text.substr(5, 2)) ||
        !all_digits(text.substr(8, 2)) || !parse_int(text.substr(0, 4), y) ||
        !parse_int(text.substr(5, 2), m) || !parse_int(text.substr(8, 2), dd))
        return bad("non-digit characters");
    Date d{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(dd)}};
    if (!d.ok()) return bad("no such day in the calendar");
    // system_clock holds dates up to 2262; deadlines beyond 2199 are not credible anyway.
    if (y < 1970 || y > 2199) return bad("year out of range (1970 to 2199)");
    return d;
}

std::string format_utc(TimePoint t) {
    std::tm tm = detail::utc_tm(system_clock::to_time_t(t));
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<TimePoint> parse_utc(std::string_view text) {
    auto date = parse_date(text.substr(0, std::min<std::size_t>(10, text.size())));
    if (!date) {
        return make_error(Errc::invalid_argument,
                          fmt::format("\"{}\" is not an ISO 8601 UTC time", text));
    }
    TimePoint base = sys_days{*date};
    if (text.size() == 10) return base;
    int hh = 0, mm = 0, ss = 0;
    if (text.size() != 20 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z' || !parse_int(text.substr(11, 2), hh) ||
        !parse_int(text.substr(14, 2), mm) || !parse_int(text.substr(17, 2), ss) || hh > 23 ||
        mm > 59 || ss > 60) {
        return make_error(Errc::invalid_argument, fmt::format("\"{}\" is not an ISO 8601 UTC time "
                                                              "(expected YYYY-MM-DDTHH:MM:SSZ)",
                                                              text));
    }
    return base + hours{hh} + minutes{mm} + seconds{ss};
}

std::string format_local(TimePoint t) {
    std::time_t tt = system_clock::to_time_t(t);
    std::tm local = local_tm(tt);
    std::tm utc = detail::utc_tm(tt);
    // Offset = local civil time minus UTC civil time, both read as if they were UTC.
    auto as_seconds = [](const std::tm& tm) {
        Date d{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
               day{static_cast<unsigned>(tm.tm_mday)}};
        return sys_days{d}.time_since_epoch() / seconds{1} + tm.tm_hour * 3600LL +
               tm.tm_min * 60LL + tm.tm_sec;
    };
    long long offset = as_seconds(local) - as_seconds(utc);
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", local.tm_year + 1900,
                       local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                       sign, offset / 3600, (offset % 3600) / 60);
}

}  // namespace credwatch
