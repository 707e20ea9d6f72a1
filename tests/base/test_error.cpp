// CW_TRY and CW_TRY_ASSIGN: early return of the error, the value otherwise.

#include "credwatch/base/error.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace credwatch {
namespace {

Result<int> number(bool ok, int value = 7) {
    if (!ok) return make_error(Errc::parse_error, "not a number");
    return value;
}

Status check(bool ok) {
    if (!ok) return make_error(Errc::io_error, "check failed");
    return {};
}

Result<int> twice(bool ok, int* evaluations) {
    ++*evaluations;
    CW_TRY_ASSIGN(n, number(ok));
    return 2 * n;
}

Status checked_twice(bool first, bool second, int* reached) {
    CW_TRY(check(first));
    ++*reached;
    CW_TRY(check(second));
    ++*reached;
    return {};
}

// Two in the same scope, one of a move-only value, and a Result<T> whose error goes out as a
// Result<std::string>.
Result<std::string> describe(bool ok) {
    CW_TRY_ASSIGN(a, number(true, 1));
    CW_TRY_ASSIGN(b, number(ok, 2));
    CW_TRY_ASSIGN(owned, (Result<std::unique_ptr<int>>(std::make_unique<int>(3))));
    CW_TRY(number(true));
    return std::to_string(a) + std::to_string(b) + std::to_string(*owned);
}

TEST(Try, AssignGivesTheValue) {
    int evaluations = 0;
    auto r = twice(true, &evaluations);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 14);
    EXPECT_EQ(evaluations, 1);
}

TEST(Try, AssignReturnsTheError) {
    int evaluations = 0;
    auto r = twice(false, &evaluations);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::parse_error);
    EXPECT_EQ(r.error().message, "not a number");
}

TEST(Try, StatusStopsAtTheFirstError) {
    int reached = 0;
    EXPECT_TRUE(checked_twice(true, true, &reached));
    EXPECT_EQ(reached, 2);

    reached = 0;
    auto r = checked_twice(true, false, &reached);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::io_error);
    EXPECT_EQ(reached, 1);

    reached = 0;
    EXPECT_FALSE(checked_twice(false, true, &reached));
    EXPECT_EQ(reached, 0);
}

TEST(Try, ErrorConvertsToTheCallersResult) {
    auto ok = describe(true);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, "123");
    auto failed = describe(false);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, Errc::parse_error);
}

}  // namespace
}  // namespace credwatch
