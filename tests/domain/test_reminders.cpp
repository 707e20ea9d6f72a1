#include "credwatch/domain/reminders.hpp"
#include "credwatch/domain/rules.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace credwatch;
using namespace std::chrono;

namespace {

Date date(int y, unsigned m, unsigned d) {
    return Date{year{y}, month{m}, day{d}};
}

CredentialKind password_kind() {
    CredentialKind k;
    k.rule = Rule::password_rotation;
    k.lifetime_days = 60;
    k.thresholds = {14, 7, 3, 1};
    k.overdue_repeat_days = 1;
    return k;
}

// Evaluates at local noon of `today` and applies what fires to `fired`, as the store would.
std::optional<DueReminder> step(const Credential& c, const CredentialKind& k, Date today,
                                std::set<std::string>& fired) {
    TimePoint now = local_midnight(today) + hours{12};
    auto due = due_reminder(c, k, evaluate(c, k, now), local_date(now), fired);
    if (due) {
        fired.insert(due->key);
        fired.insert(due->superseded.begin(), due->superseded.end());
    }
    return due;
}

}  // namespace

TEST(ReminderEngine, EachThresholdFiresOnceOnItsDay) {
    Credential c;
    c.id = "pw";
    c.renewed_on = date(2026, 10, 1);  // deadline 2026-11-30
    auto k = password_kind();
    std::set<std::string> fired;
    std::vector<std::string> keys;
    for (Date d = date(2026, 10, 1); d < date(2026, 11, 30); d = add_days(d, 1)) {
        if (auto due = step(c, k, d, fired)) {
            keys.push_back(due->key + "@" + format_date(d));
            EXPECT_TRUE(due->superseded.empty());
        }
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"d14@2026-11-16", "d7@2026-11-23", "d3@2026-11-27",
                                              "d1@2026-11-29"}));
}

TEST(ReminderEngine, OverdueRepeatsDailyWithOneReminderPerDay) {
    Credential c;
    c.renewed_on = date(2026, 10, 1);
    auto k = password_kind();
    std::set<std::string> fired{"d14", "d7", "d3", "d1"};
    auto first = step(c, k, date(2026, 11, 30), fired);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->key, "overdue:2026-11-30");
    EXPECT_EQ(first->state, State::overdue);
    EXPECT_FALSE(step(c, k, date(2026, 11, 30), fired));
    auto second = step(c, k, date(2026, 12, 1), fired);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->key, "overdue:2026-12-01");
}

TEST(ReminderEngine, OverdueOnceWhenTheKindDoesNotRepeat) {
    Credential c;
    c.renewed_on = date(2026, 10, 1);
    auto k = password_kind();
    k.overdue_repeat_days = 0;
    std::set<std::string> fired;
    auto due = step(c, k, date(2026, 12, 5), fired);
    ASSERT_TRUE(due);
    EXPECT_EQ(due->key, "overdue");
    EXPECT_EQ(due->superseded, (std::vector<std::string>{"d14", "d7", "d3", "d1"}));
    EXPECT_FALSE(step(c, k, date(2026, 12, 6), fired));
}

TEST(ReminderEngine, ForwardJumpFiresTheMostUrgentAndSupersedesTheRest) {
    Credential c;
    c.renewed_on = date(2026, 10, 1);
    auto k = password_kind();
    std::set<std::string> fired;
    EXPECT_FALSE(step(c, k, date(2026, 11, 10), fired));  // 20 days left: nothing yet
    auto due = step(c, k, date(2026, 11, 27), fired);     // jumped to 3 days left
    ASSERT_TRUE(due);
    EXPECT_EQ(due->key, "d3");
    EXPECT_EQ(due->superseded, (std::vector<std::string>{"d7", "d14"}));
    // Back to 10 days left, then forward again: nothing fires twice or late.
    EXPECT_FALSE(step(c, k, date(2026, 11, 20), fired));
    EXPECT_FALSE(step(c, k, date(2026, 11, 23), fired));
    EXPECT_FALSE(step(c, k, date(2026, 11, 27), fired));
    auto next = step(c, k, date(2026, 11, 29), fired);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->key, "d1");
}

TEST(ReminderEngine, UnknownCredentialsRaiseNothing) {
    Credential c;
    std::set<std::string> fired;
    EXPECT_FALSE(step(c, password_kind(), date(2026, 11, 21), fired));
}

TEST(ReminderEngine, QuotaFiresAtOneLeftAndAtNone) {
    CredentialKind k;
    k.rule = Rule::issuance_quota;
    k.limit = 6;
    k.thresholds = {1, 0};
    Credential c;
    std::set<std::string> fired;
    c.issued = 4;
    EXPECT_FALSE(step(c, k, date(2026, 11, 21), fired));
    c.issued = 5;
    auto one_left = step(c, k, date(2026, 11, 21), fired);
    ASSERT_TRUE(one_left);
    EXPECT_EQ(one_left->key, "q1");
    EXPECT_EQ(one_left->issued, 5);
    EXPECT_FALSE(step(c, k, date(2026, 11, 22), fired));
    c.issued = 6;
    auto none_left = step(c, k, date(2026, 11, 22), fired);
    ASSERT_TRUE(none_left);
    EXPECT_EQ(none_left->key, "q0");
    EXPECT_EQ(none_left->state, State::quota_exhausted);
}

TEST(ReminderEngine, CertificateExpiryCountsCalendarDays) {
    CredentialKind k;
    k.rule = Rule::certificate_validity;
    k.thresholds = {60, 30, 14, 7, 3, 1};
    Credential c;
    c.not_after = local_midnight(date(2027, 3, 31)) + hours{23};
    std::set<std::string> fired;
    auto due = step(c, k, date(2027, 1, 30), fired);  // 60 days before
    ASSERT_TRUE(due);
    EXPECT_EQ(due->key, "d60");
    EXPECT_EQ(due->days_left, 60);
    EXPECT_FALSE(step(c, k, date(2027, 1, 31), fired));
}
