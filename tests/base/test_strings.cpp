#include "credwatch/base/strings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace credwatch {
namespace {

using Parts = std::vector<std::string>;

TEST(Strings, JoinPutsTheSeparatorBetweenParts) {
    EXPECT_EQ(join(Parts{}, ", "), "");
    EXPECT_EQ(join(Parts{"a"}, ", "), "a");
    EXPECT_EQ(join(Parts{"a", "", "b"}, ","), "a,,b");
    EXPECT_EQ(join(std::vector<std::string_view>{"x", "y"}, "\n"), "x\ny");
}

TEST(Strings, SplitKeepsInnerEmptyParts) {
    EXPECT_EQ(split("", ','), Parts{});
    EXPECT_EQ(split("a", ','), Parts{"a"});
    EXPECT_EQ(split("a,,b", ','), (Parts{"a", "", "b"}));
    EXPECT_EQ(split(",a", ','), (Parts{"", "a"}));
    EXPECT_EQ(split("a,", ','), Parts{"a"});
}

TEST(Strings, SplitInvertsJoin) {
    const Parts usages{"digitalSignature", "keyEncipherment"};
    EXPECT_EQ(split(join(usages, ","), ','), usages);
    const Parts recipients{"jimu@clinic.example", "incho@clinic.example"};
    EXPECT_EQ(split(join(recipients, "\n"), '\n'), recipients);
}

TEST(Strings, TrimRemovesBlanksAtBothEnds) {
    EXPECT_EQ(trim("  a b \t\r\n"), "a b");
    EXPECT_EQ(trim(" \t "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("--x--", "-"), "x");
}

TEST(Strings, PathToUtf8KeepsJapaneseNames) {
    const std::string name =
        "\xE8\xA8\xBC\xE6\x98\x8E\xE6\x9B\xB8/\xE5\x8C\xBB\xE9\x99\xA2.p12";  // 証明書/医院.p12
    const std::u8string u8(reinterpret_cast<const char8_t*>(name.data()), name.size());
    EXPECT_EQ(path_to_utf8(std::filesystem::path(u8)), name);
}

TEST(Strings, EscapeForDisplayMakesControlCharactersVisibleAndKeepsJapanese) {
    EXPECT_EQ(escape_for_display("cancer-registry/user-password"), "cancer-registry/user-password");
    EXPECT_EQ(escape_for_display("a\nb\tc\r"), "a\\x0ab\\x09c\\x0d");
    EXPECT_EQ(escape_for_display("\x1b[2J"), "\\x1b[2J");
    EXPECT_EQ(escape_for_display(std::string_view("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(escape_for_display("\x7f"), "\\x7f");
    EXPECT_EQ(escape_for_display("\xc2\x85"), "\\u0085");                    // NEL (C1)
    EXPECT_EQ(escape_for_display("\xe2\x80\xaetxt.exe"), "\\u202etxt.exe");  // RLO
    EXPECT_EQ(escape_for_display("\xe2\x80\xa8"), "\\u2028");
    EXPECT_EQ(escape_for_display("\xff\xc3("), "\\xff\\xc3(");            // not UTF-8
    EXPECT_EQ(escape_for_display("\xc0\xaf"), "\\xc0\\xaf");              // overlong '/'
    const std::string japanese = "\xE8\xA8\xBC\xE6\x98\x8E\xE6\x9B\xB8";  // 証明書
    EXPECT_EQ(escape_for_display(japanese), japanese);
    EXPECT_EQ(escape_for_display("CurrentUser\\My"), "CurrentUser\\My");
}

}  // namespace
}  // namespace credwatch

TEST(Strings, TruncateUtf8CutsOnACharacterBoundaryWithAnEllipsis) {
    EXPECT_EQ(credwatch::truncate_utf8("short", 10), "short");
    EXPECT_EQ(credwatch::truncate_utf8("abcdefghij", 10), "abcdefghij");
    EXPECT_EQ(credwatch::truncate_utf8("abcdefghijk", 10), "abcdefg…");
    // 証 is 3 bytes: 7 bytes of room hold two characters, not two and a third of one.
    const std::string cut = credwatch::truncate_utf8("証明書証明書", 10);
    EXPECT_EQ(cut, "証明…");
    EXPECT_LE(cut.size(), 10u);
}
