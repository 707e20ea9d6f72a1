#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/date_text.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

using namespace credwatch;
using namespace std::chrono;

namespace {

#ifdef _WIN32
// The Windows C runtime has no setenv and understands only "NAMEhh[DST]" TZ values (with the
// US daylight-saving rules), not IANA names: translate the ones used here.
int setenv(const char* name, const char* value, int) {
    std::string v = value;
    if (v == "Asia/Tokyo")
        v = "JST-9";
    else if (v == "America/New_York")
        v = "EST5EDT";
    return _putenv_s(name, v.c_str());
}
int unsetenv(const char* name) {
    return _putenv_s(name, "");
}
#endif

// Runs a test body under another TZ and restores the previous one.
class ScopedTimeZone {
  public:
    explicit ScopedTimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~ScopedTimeZone() {
        if (old_.empty())
            unsetenv("TZ");
        else
            setenv("TZ", old_.c_str(), 1);
        tzset();
    }

  private:
    std::string old_;
};

}  // namespace

TEST(CivilTime, ParsesAndFormatsDates) {
    auto d = parse_date("2026-11-21");
    ASSERT_TRUE(d);
    EXPECT_EQ(format_date(*d), "2026-11-21");
    EXPECT_EQ(*d, (Date{year{2026}, month{11}, day{21}}));
}

TEST(CivilTime, RejectsMalformedDatesNamingTheText) {
    for (const char* bad :
         {"2026-13-01", "2026-02-30", "2026/11/21", "21-11-2026", "2026-1-01", "", "abcd-ef-gh"}) {
        auto d = parse_date(bad);
        ASSERT_FALSE(d) << bad;
        EXPECT_EQ(d.error().code, Errc::invalid_argument);
        EXPECT_NE(d.error().message.find(std::string("\"") + bad + "\""), std::string::npos)
            << d.error().message;
    }
}

TEST(CivilTime, UtcRoundTrip) {
    auto t = parse_utc("2050-01-02T03:04:05Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_utc(*t), "2050-01-02T03:04:05Z");
    EXPECT_FALSE(parse_utc("2050-01-02T25:00:00Z"));
    EXPECT_FALSE(parse_utc("2050-01-02T03:04:05"));
}

TEST(CivilTime, LocalDateFollowsTheTimeZone) {
    // 2026-11-21 16:00 UTC is already the 22nd in Tokyo (+09:00) but still the 21st in New York.
    TimePoint t = sys_days{Date{year{2026}, month{11}, day{21}}} + hours{16};
    {
        ScopedTimeZone tz("Asia/Tokyo");
        EXPECT_EQ(format_date(local_date(t)), "2026-11-22");
        EXPECT_EQ(format_local(t), "2026-11-22T01:00:00+09:00");
    }
    {
        ScopedTimeZone tz("America/New_York");
        EXPECT_EQ(format_date(local_date(t)), "2026-11-21");
        EXPECT_EQ(format_local(t), "2026-11-21T11:00:00-05:00");
    }
}

TEST(CivilTime, DaysBetweenIgnoresDaylightSavingChanges) {
#ifdef _WIN32
    GTEST_SKIP() << "the Windows C runtime's TZ knows only the US daylight-saving rules, not "
                    "Europe/Berlin's";
#endif
    ScopedTimeZone tz("Europe/Berlin");
    // DST ends on 2026-10-25 in Berlin: that day lasts 25 hours, yet it is one calendar day.
    Date before{year{2026}, month{10}, day{24}};
    Date after{year{2026}, month{10}, day{26}};
    EXPECT_EQ(days_between(before, after), 2);
    EXPECT_EQ(local_midnight(after) - local_midnight(before), hours{49});
    EXPECT_EQ(local_date(local_midnight(after)), after);
    EXPECT_EQ(add_days(before, 60), (Date{year{2026}, month{12}, day{23}}));
}

TEST(DateText, JapaneseAndEnglishAsAPersonReadsThem) {
    const Date d{std::chrono::year{2026}, std::chrono::month{12}, std::chrono::day{1}};
    EXPECT_EQ(date_text(d, Lang::ja), "2026年12月1日");
    EXPECT_EQ(date_text(d, Lang::en), "1 Dec 2026");
    const Date jan{std::chrono::year{2027}, std::chrono::month{1}, std::chrono::day{31}};
    EXPECT_EQ(date_text(jan, Lang::ja), "2027年1月31日");
    EXPECT_EQ(date_text(jan, Lang::en), "31 Jan 2027");
}
