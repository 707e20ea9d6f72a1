#include "credwatch/domain/rules.hpp"

#include <gtest/gtest.h>

using namespace credwatch;
using namespace std::chrono;

namespace {

Date date(int y, unsigned m, unsigned d) {
    return Date{year{y}, month{m}, day{d}};
}
TimePoint noon(Date d) {
    return local_midnight(d) + hours{12};
}

CredentialKind password_kind() {
    CredentialKind k;
    k.system = "cancer-registry";
    k.id = "user-password";
    k.rule = Rule::password_rotation;
    k.lifetime_days = 60;
    k.thresholds = {14, 7, 3, 1};
    k.overdue_repeat_days = 1;
    return k;
}

Credential changed_on(Date d) {
    Credential c;
    c.id = "cancer-registry/user-password";
    c.system = "cancer-registry";
    c.kind = "user-password";
    c.renewed_on = d;
    return c;
}

}  // namespace

TEST(PasswordRotation, UnknownUntilAChangeIsRecorded) {
    Credential c = changed_on(date(2026, 1, 1));
    c.renewed_on.reset();
    Evaluation e = evaluate(c, password_kind(), noon(date(2026, 11, 21)));
    EXPECT_EQ(e.state, State::unknown);
    EXPECT_FALSE(e.deadline);
    EXPECT_FALSE(e.days_left);
}

TEST(PasswordRotation, DeadlineIsSixtyDaysAfterTheChange) {
    Evaluation e =
        evaluate(changed_on(date(2026, 10, 1)), password_kind(), noon(date(2026, 10, 2)));
    ASSERT_TRUE(e.deadline_date);
    EXPECT_EQ(format_date(*e.deadline_date), "2026-11-30");
    EXPECT_EQ(*e.deadline, local_midnight(date(2026, 11, 30)));
    EXPECT_EQ(e.days_left, 59);
    EXPECT_EQ(e.state, State::ok);
}

TEST(PasswordRotation, DueSoonInsideTheFirstThresholdAndOverdueOnTheDeadline) {
    auto kind = password_kind();
    auto c = changed_on(date(2026, 10, 1));                                   // deadline 2026-11-30
    EXPECT_EQ(evaluate(c, kind, noon(date(2026, 11, 15))).state, State::ok);  // 15 days
    EXPECT_EQ(evaluate(c, kind, noon(date(2026, 11, 16))).state, State::due_soon);  // 14 days
    Evaluation last_day = evaluate(c, kind, local_midnight(date(2026, 11, 30)) - seconds{1});
    EXPECT_EQ(last_day.state, State::due_soon);
    EXPECT_EQ(last_day.days_left, 1);
    Evaluation lapsed = evaluate(c, kind, local_midnight(date(2026, 11, 30)));
    EXPECT_EQ(lapsed.state, State::overdue);
    EXPECT_EQ(lapsed.days_left, 0);
    EXPECT_EQ(evaluate(c, kind, noon(date(2026, 12, 3))).days_left, -3);
}

TEST(PasswordRotation, CredentialLifetimeOverridesTheKind) {
    auto c = changed_on(date(2026, 10, 1));
    c.lifetime_days = 90;
    Evaluation e = evaluate(c, password_kind(), noon(date(2026, 10, 2)));
    EXPECT_EQ(format_date(*e.deadline_date), "2026-12-30");
}

TEST(CertificateValidity, UsesNotAfterAndIsUnknownWithoutACertificate) {
    CredentialKind k;
    k.rule = Rule::certificate_validity;
    k.thresholds = {60, 30, 14, 7, 3, 1};
    Credential c;
    EXPECT_EQ(evaluate(c, k, noon(date(2026, 11, 21))).state, State::unknown);
    EXPECT_EQ(evaluate(c, k, noon(date(2026, 11, 21))).reason, "certificate not found");

    c.not_after = noon(date(2027, 1, 20));
    Evaluation e = evaluate(c, k, noon(date(2026, 11, 21)));
    EXPECT_EQ(e.state, State::due_soon);
    EXPECT_EQ(e.days_left, 60);
    EXPECT_EQ(evaluate(c, k, noon(date(2026, 11, 20))).state, State::ok);
    // Expires at noon: still valid in the morning of that day, expired in the afternoon.
    EXPECT_EQ(evaluate(c, k, noon(date(2027, 1, 20)) - hours{1}).state, State::due_soon);
    EXPECT_EQ(evaluate(c, k, noon(date(2027, 1, 20)) + hours{1}).state, State::overdue);
}

TEST(IssuanceQuota, WarnsWithOneLeftAndIsExhaustedAtTheLimit) {
    CredentialKind k;
    k.rule = Rule::issuance_quota;
    k.limit = 6;
    k.thresholds = {1, 0};
    Credential c;
    TimePoint now = noon(date(2026, 11, 21));
    c.issued = 4;
    EXPECT_EQ(evaluate(c, k, now).state, State::ok);
    c.issued = 5;
    EXPECT_EQ(evaluate(c, k, now).state, State::due_soon);
    c.issued = 6;
    Evaluation e = evaluate(c, k, now);
    EXPECT_EQ(e.state, State::quota_exhausted);
    EXPECT_EQ(e.issued, 6);
    EXPECT_EQ(e.limit, 6);
    c.limit = 8;  // a site with a different agreement
    EXPECT_EQ(evaluate(c, k, now).state, State::ok);
}

TEST(DocumentAge, FormBecomesUneditableSixtyDaysAfterDownload) {
    CredentialKind k;
    k.rule = Rule::document_age;
    k.lifetime_days = 60;
    k.thresholds = {14, 7, 3, 1};
    Credential c;
    c.renewed_on = date(2018, 5, 16);
    Evaluation e = evaluate(c, k, noon(date(2018, 7, 1)));
    EXPECT_EQ(format_date(*e.deadline_date), "2018-07-15");
    EXPECT_EQ(e.days_left, 14);
    EXPECT_EQ(e.state, State::due_soon);
    c.renewed_on.reset();
    EXPECT_EQ(evaluate(c, k, noon(date(2018, 7, 1))).reason, "no document date recorded");
}

TEST(Severity, OrdersStatesForTheTrayColour) {
    EXPECT_LT(severity(State::ok), severity(State::unknown));
    EXPECT_LT(severity(State::unknown), severity(State::due_soon));
    EXPECT_LT(severity(State::due_soon), severity(State::overdue));
    EXPECT_EQ(severity(State::overdue), severity(State::quota_exhausted));
    for (auto s :
         {State::unknown, State::ok, State::due_soon, State::overdue, State::quota_exhausted})
        EXPECT_EQ(state_from_string(to_string(s)), s);
}
