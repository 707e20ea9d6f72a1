// The checks of the catalog and the site file: the bundled ones validate, a site adds, disables
// and tunes them, and every mistake names the file, the line and the field.

#include "credwatch/catalog/catalog.hpp"
#include "credwatch/catalog/checks_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace credwatch;

namespace {

const CheckDefinition* find(const std::vector<CheckDefinition>& checks, std::string_view system,
                            std::string_view id) {
    for (const auto& c : checks)
        if (c.system == system && c.id == id) return &c;
    return nullptr;
}

Result<std::vector<CheckDefinition>> with_site(std::string_view site) {
    return parse_checks(embedded::catalog_toml, "catalog.toml", site, "site.toml");
}

std::string error_of(std::string_view site) {
    auto r = with_site(site);
    EXPECT_FALSE(r.has_value()) << "expected the site file to be refused:\n" << site;
    return r ? std::string() : r.error().message;
}

}  // namespace

TEST(CheckCatalog, BundledChecksValidateWithTheManualsNamesAndPorts) {
    auto checks = with_site("");
    ASSERT_TRUE(checks.has_value()) << checks.error().message;
    const auto* mio = find(*checks, "cancer-registry", "resolve-mio");
    ASSERT_NE(mio, nullptr);
    EXPECT_EQ(mio->kind, CheckKind::resolve);
    EXPECT_EQ(mio->params.text_or("host", ""), "mio.ccr.ncc.go.jp");
    EXPECT_EQ(mio->params.list_or_empty("expected"), std::vector<std::string>{"133.162.82.105"});
    EXPECT_FALSE(mio->fix_ja.empty());
    EXPECT_FALSE(mio->manual.empty());
    const auto* sec = find(*checks, "cancer-registry", "tcp-sec-443");
    ASSERT_NE(sec, nullptr);
    EXPECT_EQ(sec->params.number_or("port", 0), 443);
    const auto* udp = find(*checks, "cancer-registry", "udp-sec-4500");
    ASSERT_NE(udp, nullptr);
    EXPECT_EQ(udp->kind, CheckKind::udp);
    const auto* tasks = find(*checks, "online-eligibility", "scheduled-tasks");
    ASSERT_NE(tasks, nullptr);
    EXPECT_EQ(tasks->params.list_or_empty("tasks").size(), 5u);
    EXPECT_EQ(tasks->platforms, std::vector<std::string>{"windows"});
    const auto* clock = find(*checks, "online-eligibility", "clock-distribution-base");
    ASSERT_NE(clock, nullptr);
    EXPECT_FALSE(clock->enabled) << "配信拠点起点 only: the site enables it";
    EXPECT_EQ(clock->params.text_or("server", ""), "ntp.base.oqs-pdl.org");
}

TEST(CheckCatalog, SiteDisablesAndTunesAndAdds) {
    auto checks = with_site(R"(
[checks."cancer-registry".resolve-mio]
resolver = "127.0.0.1:5353"
severity = "recommended"
[checks."cancer-registry".tcp-sec-443]
enabled = false
[[check]]
system = "gtol"
id = "tcp-portal"
kind = "tcp"
host = "127.0.0.1"
port = 8443
title_ja = "ポータル"
title_en = "Portal"
fix_ja = "直す"
fix_en = "fix it"
manual = "site"
)");
    ASSERT_TRUE(checks.has_value()) << checks.error().message;
    const auto* mio = find(*checks, "cancer-registry", "resolve-mio");
    EXPECT_EQ(mio->params.text_or("resolver", ""), "127.0.0.1:5353");
    EXPECT_EQ(mio->severity, CheckSeverity::recommended);
    EXPECT_EQ(mio->params.text_or("host", ""), "mio.ccr.ncc.go.jp") << "untouched fields stay";
    EXPECT_FALSE(find(*checks, "cancer-registry", "tcp-sec-443")->enabled);
    const auto* portal = find(*checks, "gtol", "tcp-portal");
    ASSERT_NE(portal, nullptr);
    EXPECT_EQ(portal->params.number_or("port", 0), 8443);
}

// The catalog's Credential Manager checks are OqsComApp's session's; a site names another
// account, or opens one to every user with session_user = "".
TEST(CheckCatalog, TheCredentialChecksAreOqsComAppsAndASiteRenamesOrOpensThem) {
    auto bundled = with_site("");
    ASSERT_TRUE(bundled.has_value()) << bundled.error().message;
    for (const auto& c : *bundled) {
        if (c.kind == CheckKind::credential_present) {
            EXPECT_EQ(session_user_of(c), "OqsComApp") << check_path(c);
        }
    }
    auto tuned = with_site(R"(
[checks."online-eligibility".credential-login-key]
session_user = "OqsLink"
[checks."online-eligibility".credential-institution-code]
session_user = ""
)");
    ASSERT_TRUE(tuned.has_value()) << tuned.error().message;
    const auto* login = find(*tuned, "online-eligibility", "credential-login-key");
    EXPECT_TRUE(is_session_user(*login, "oqslink"));
    EXPECT_FALSE(is_session_user(*login, "OqsComApp"));
    const auto* code = find(*tuned, "online-eligibility", "credential-institution-code");
    EXPECT_TRUE(is_session_user(*code, "tanaka")) << "empty: any user's session";
    EXPECT_NE(error_of(R"(
[checks."online-eligibility".credential-login-key]
target = ""
)")
                  .find("non-empty"),
              std::string::npos)
        << "only session_user may be empty";
}

TEST(CheckCatalog, MistakesNameTheFileLineAndField) {
    EXPECT_NE(error_of("[checks.\"cancer-registry\".resolve-mio]\nresolvr = \"x\"\n")
                  .find("site.toml:2: check \"cancer-registry/resolve-mio\": unknown field "
                        "\"resolvr\" for a check of kind \"resolve\""),
              std::string::npos);
    EXPECT_NE(
        error_of("[checks.\"cancer-registry\".no-such]\nenabled = false\n").find("no such check"),
        std::string::npos);
    EXPECT_NE(error_of("[checks.\"cancer-registry\".tcp-mio-443]\nport = 70000\n")
                  .find("site.toml:2: check \"cancer-registry/tcp-mio-443\": field \"port\" must "
                        "be an integer from 1 to 65535"),
              std::string::npos);
    EXPECT_NE(error_of("[checks.\"cancer-registry\".tcp-mio-443]\nenabled = \"no\"\n")
                  .find("field \"enabled\" must be true or false"),
              std::string::npos);
    const std::string added = error_of(R"(
[[check]]
system = "nowhere"
id = "x"
kind = "tcp"
host = "h"
port = 1
title_ja = "t"
title_en = "t"
fix_ja = "f"
fix_en = "f"
manual = "m"
)");
    EXPECT_NE(added.find("unknown system \"nowhere\""), std::string::npos) << added;
    const std::string kind = error_of(R"(
[[check]]
system = "gtol"
id = "x"
kind = "ping"
title_ja = "t"
title_en = "t"
fix_ja = "f"
fix_en = "f"
manual = "m"
)");
    EXPECT_NE(kind.find("site.toml:5: check \"x\": field \"kind\": unknown check kind \"ping\""),
              std::string::npos)
        << kind;
    const std::string missing = error_of(R"(
[[check]]
system = "gtol"
id = "x"
kind = "clock"
title_ja = "t"
title_en = "t"
fix_ja = "f"
fix_en = "f"
manual = "m"
)");
    EXPECT_NE(missing.find("missing required field \"server\" for a check of kind \"clock\""),
              std::string::npos)
        << missing;
    EXPECT_NE(error_of(R"(
[[check]]
system = "cancer-registry"
id = "resolve-mio"
kind = "resolve"
host = "h"
title_ja = "t"
title_en = "t"
fix_ja = "f"
fix_en = "f"
manual = "m"
)")
                  .find("defined twice"),
              std::string::npos);
}

TEST(CheckCatalog, TheRestOfTheConfigurationStillReadsWithChecksPresent) {
    auto config = parse_configuration(embedded::catalog_toml, "catalog.toml",
                                      "[checks.\"cancer-registry\".tcp-sec-443]\nenabled = false\n",
                                      "site.toml");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_NE(config->catalog.system("cancer-registry"), nullptr);
}
