// The view model of the tray's 接続チェック window: the service's check and symptom replies as
// the window shows them (no display needed).

#include "checks_view.hpp"

#include <gtest/gtest.h>

using namespace credwatch;
using namespace credwatch::tray;

namespace {

boost::json::object reply() {
    return boost::json::parse(R"({"checks":[
        {"system":"cancer-registry","id":"resolve-mio","kind":"resolve","severity":"required",
         "state":"failed","title_ja":"名前解決","title_en":"resolves","evidence_ja":"解決できません",
         "evidence_en":"does not resolve","fix_ja":"HOSTS に登録","fix_en":"add it to HOSTS",
         "manual":"3. 端末要件","checked_at":"2026-12-02T01:00:00Z",
         "failing_since":"2026-12-01T01:00:00Z"},
        {"system":"cancer-registry","id":"tcp-mio-443","kind":"tcp","severity":"required",
         "state":"ok","title_ja":"","title_en":"TCP 443","evidence_ja":"接続できました",
         "evidence_en":"connected","fix_ja":"許可","fix_en":"allow","manual":"4. 通信要件",
         "checked_at":"2026-12-02T01:00:00Z","failing_since":null},
        {"system":"x","id":"odd","state":"exploded"}],
        "last_run":"2026-12-02T01:00:00Z","next_run":null,"running":false})")
        .as_object();
}

}  // namespace

TEST(ChecksView, TheReplyIsReadInTheUiLanguage) {
    const ChecksView ja = checks_from_json(reply(), Lang::ja);
    ASSERT_EQ(ja.checks.size(), 3u);
    EXPECT_TRUE(ja.connected);
    EXPECT_EQ(ja.checks[0].state, CheckState::failed);
    EXPECT_EQ(ja.checks[0].title, "名前解決");
    EXPECT_EQ(ja.checks[0].fix, "HOSTS に登録");
    EXPECT_TRUE(ja.checks[0].shows_fix());
    EXPECT_EQ(ja.checks[1].title, "TCP 443") << "the other language when one is empty";
    EXPECT_FALSE(ja.checks[1].shows_fix()) << "no fix for an ok check";
    EXPECT_EQ(ja.checks[2].state, CheckState::cannot_check) << "an unknown state";
    EXPECT_EQ(ja.checks[2].title, "x/odd");
    EXPECT_EQ(ja.last_run_utc, "2026-12-02T01:00:00Z");
    EXPECT_TRUE(ja.next_run_utc.empty());
    EXPECT_EQ(checks_from_json(reply(), Lang::en).checks[0].evidence, "does not resolve");
}

// A session check's result says whose session reported it (an administrator sees several).
TEST(ChecksView, ASessionChecksRowNamesTheSessionThatReportedIt) {
    const auto with_user = boost::json::parse(R"({"checks":[
        {"system":"online-eligibility","id":"credential-login-key","kind":"credential_present",
         "state":"failed","title_en":"Credential Manager holds OQS_LOGIN_KEY","user":"OqsComApp",
         "evidence_en":"missing"},
        {"system":"cancer-registry","id":"tcp-mio-443","state":"ok","title_en":"TCP 443"}]})")
                               .as_object();
    const ChecksView view = checks_from_json(with_user, Lang::en);
    ASSERT_EQ(view.checks.size(), 2u);
    EXPECT_EQ(view.checks[0].user, "OqsComApp");
    EXPECT_EQ(view.checks[0].title,
              "Credential Manager holds OQS_LOGIN_KEY (session of OqsComApp)");
    EXPECT_EQ(view.checks[1].user, "");
    EXPECT_EQ(view.checks[1].title, "TCP 443") << "the service's own check names no session";
}

TEST(ChecksView, ASymptomShowsItsRelatedChecksCurrentStates) {
    const ChecksView view = checks_from_json(reply(), Lang::en);
    const auto symptoms =
        symptoms_from_json(boost::json::parse(R"({"symptoms":[{"system":"cancer-registry",
            "message_ja":"『このページは表示できません』","message_en":"This page can't be displayed",
            "what_to_do_ja":"URL を直接入力","what_to_do_en":"Type the URL","manual":"2章",
            "checks":["cancer-registry/resolve-mio","cancer-registry/tcp-mio-443",
                      "online-eligibility/clock-distribution-base"]}]})")
                               .as_object(),
                           Lang::ja);
    ASSERT_EQ(symptoms.size(), 1u);
    EXPECT_EQ(symptoms[0].message, "『このページは表示できません』");
    EXPECT_EQ(related_checks_label(symptoms[0], view),
              "resolve-mio: Failed, tcp-mio-443: OK, clock-distribution-base: —");
    ChecksView down;
    EXPECT_EQ(related_checks_label(symptoms[0], down),
              "resolve-mio: —, tcp-mio-443: —, clock-distribution-base: —");
    EXPECT_NE(checks_banner(down).find("not reachable"), std::string::npos);
}

TEST(ChecksView, StatesHaveTheirColours) {
    EXPECT_EQ(check_state_colour(CheckState::ok), TrayColour::green);
    EXPECT_EQ(check_state_colour(CheckState::warning), TrayColour::amber);
    EXPECT_EQ(check_state_colour(CheckState::failed), TrayColour::red);
    EXPECT_EQ(check_state_colour(CheckState::cannot_check), TrayColour::grey);
    EXPECT_EQ(local_time_label(""), "—");
    EXPECT_EQ(local_time_label("not a time"), "—");
}
