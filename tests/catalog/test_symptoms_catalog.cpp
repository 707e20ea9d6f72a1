// The symptom guide of the catalog ([[system.symptom]]) and of the site file ([[symptom]]):
// the bundled entries quote the manuals, and a malformed entry is refused naming its file, line
// and field.

#include "credwatch/catalog/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace credwatch;

namespace {

Result<Configuration> with_site(const std::string& site) {
    return parse_configuration(embedded::catalog_toml, "catalog.toml", site, "site.toml");
}

const Symptom* find_symptom(const Configuration& config, std::string_view system,
                            std::string_view fragment) {
    for (const auto& s : config.symptoms)
        if (s.system == system && s.message_ja.find(fragment) != std::string::npos) return &s;
    return nullptr;
}

::testing::AssertionResult refused(const Result<Configuration>& r, std::string_view where,
                                   std::string_view fragment) {
    if (r) return ::testing::AssertionFailure() << "accepted";
    if (r.error().code != Errc::catalog_invalid)
        return ::testing::AssertionFailure() << "not catalog_invalid: " << r.error().message;
    const std::string& m = r.error().message;
    if (m.find(where) == std::string::npos || m.find(fragment) == std::string::npos)
        return ::testing::AssertionFailure()
               << "\"" << m << "\" lacks \"" << where << "\" or \"" << fragment << "\"";
    return ::testing::AssertionSuccess();
}

}  // namespace

TEST(SymptomCatalog, TheBundledGuideQuotesTheManuals) {
    const auto config = with_site("");
    ASSERT_TRUE(config) << config.error().message;
    const Symptom* page = find_symptom(*config, "cancer-registry", "このページは表示できません");
    ASSERT_NE(page, nullptr);
    EXPECT_NE(page->what_to_do_ja.find("https://mio.intra.ccr.ncc.go.jp/ikss/"), std::string::npos);
    EXPECT_FALSE(page->manual.empty());
    EXPECT_NE(std::find(page->checks.begin(), page->checks.end(), "cancer-registry/resolve-mio"),
              page->checks.end())
        << "a check id is kept as its path";
    EXPECT_NE(find_symptom(*config, "gtol", "ご利用のアカウントが見つからないようです。"), nullptr);
    const Symptom* portal = find_symptom(*config, "gtol", "サインインページが表示されない");
    ASSERT_NE(portal, nullptr);
    EXPECT_NE(portal->what_to_do_ja.find("sub-gtol-vpn"), std::string::npos);
    EXPECT_NE(portal->what_to_do_ja.find("portal2"), std::string::npos);
    EXPECT_NE(find_symptom(*config, "online-eligibility", "ピアは解決されていません。"), nullptr);
    EXPECT_NE(find_symptom(*config, "online-eligibility", "医療情報閲覧用端末"), nullptr);
    for (const auto& s : config->symptoms) {
        EXPECT_FALSE(s.message_en.empty()) << s.message_ja;
        EXPECT_FALSE(s.what_to_do_en.empty()) << s.message_ja;
    }
}

TEST(SymptomCatalog, ASiteAddsASymptomNamingItsChecks) {
    const auto config = with_site(R"(
[[symptom]]
system = "cancer-registry"
message_ja = "院内の表示"
message_en = "The clinic's own message"
what_to_do_ja = "情報係へ"
what_to_do_en = "Call IT"
manual = "院内手順"
checks = ["tcp-sec-443", "online-eligibility/scheduled-tasks"]
)");
    ASSERT_TRUE(config) << config.error().message;
    const Symptom* s = find_symptom(*config, "cancer-registry", "院内の表示");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->checks, (std::vector<std::string>{"cancer-registry/tcp-sec-443",
                                                   "online-eligibility/scheduled-tasks"}));
    EXPECT_EQ(config->symptoms.back().message_ja, "院内の表示") << "after the catalog's";
}

TEST(SymptomCatalog, AMalformedEntryIsRefusedNamingTheLineAndField) {
    // Line 2 is the table; line 7 the missing field's table line; line 8 the bad check.
    EXPECT_TRUE(refused(with_site(R"(
[[symptom]]
system = "cancer-registry"
message_ja = "表示"
message_en = "Shown"
what_to_do_ja = "対処"
manual = "手順"
checks = ["no-such-check"]
)"),
                        "site.toml:8:", "field \"checks\": unknown check \"no-such-check\""));
    EXPECT_TRUE(refused(with_site(R"(
[[symptom]]
system = "cancer-registry"
message_ja = "表示"
message_en = "Shown"
what_to_do_ja = "対処"
manual = "手順"
)"),
                        "site.toml:2:", "missing required field \"what_to_do_en\""));
    EXPECT_TRUE(refused(with_site(R"(
[[symptom]]
system = "cancer-registry"
message_ja = ""
message_en = "Shown"
what_to_do_ja = "対処"
what_to_do_en = "Do"
manual = "手順"
)"),
                        "site.toml:4:", "field \"message_ja\" must be a non-empty string"));
    EXPECT_TRUE(refused(with_site(R"(
[[symptom]]
system = "no-such-system"
message_ja = "表示"
message_en = "Shown"
what_to_do_ja = "対処"
what_to_do_en = "Do"
manual = "手順"
)"),
                        "site.toml:3:", "unknown system \"no-such-system\""));
    EXPECT_TRUE(refused(with_site(R"(
[[symptom]]
system = "gtol"
message_ja = "表示"
message_en = "Shown"
what_to_do_ja = "対処"
what_to_do_en = "Do"
manual = "手順"
colour = "red"
)"),
                        "site.toml:9:", "unknown field \"colour\""));
    EXPECT_TRUE(refused(with_site("symptom = 3\n"), "site.toml:1:", "[[symptom]]"));
}

TEST(SymptomCatalog, ACatalogEntryIsRefusedNamingTheCatalogLine) {
    std::string catalog = embedded::catalog_toml;
    const std::string needle = "checks = [\"resolve-mio\", \"tcp-mio-443\"]";
    const auto at = catalog.find(needle);
    ASSERT_NE(at, std::string::npos);
    catalog.replace(at, needle.size(), "checks = [\"resolve-nowhere\"]");
    const auto line =
        1 + std::count(catalog.begin(), catalog.begin() + static_cast<long>(at), '\n');
    const auto r = parse_configuration(catalog, "catalog.toml", "", "site.toml");
    EXPECT_TRUE(refused(r, "catalog.toml:" + std::to_string(line) + ":",
                        "unknown check \"resolve-nowhere\""));
}
