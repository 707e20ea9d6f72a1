// The tray's view models: state to colour, days-left text, sorting, menu contents, and the
// Japanese catalog (the .mo compiled from tray/po/ja.po at build time).

#include "tray_model.hpp"

#include <gtest/gtest.h>
#include <wx/init.h>
#include <wx/translation.h>

#include <memory>

namespace json = boost::json;
using namespace credwatch;
using namespace credwatch::tray;

namespace {

json::object row(std::string id, std::string rule, std::string state, json::value days,
                 json::value deadline_date = nullptr) {
    return json::object{{"id", id},
                        {"system", "cancer-registry"},
                        {"kind", "user-password"},
                        {"label", ""},
                        {"owner", "machine"},
                        {"rule", rule},
                        {"system_name_ja", "がん登録オンラインシステム"},
                        {"system_name_en", "Cancer registry online system"},
                        {"kind_name_ja", "利用者パスワード " + id},
                        {"kind_name_en", "User password " + id},
                        {"deadline_date", deadline_date},
                        {"days_left", days},
                        {"state", state},
                        {"issued", nullptr},
                        {"limit", nullptr},
                        {"procedures", json::array{"cancer-registry/password-change"}}};
}

json::object quota_row(int issued, int limit, std::string state) {
    json::object r = row("quota", "issuance_quota", state, nullptr);
    r["issued"] = issued;
    r["limit"] = limit;
    r["kind_name_en"] = "Service certificate issuances";
    r["kind_name_ja"] = "サービス利用証明書の発行回数";
    return r;
}

json::object catalog() {
    return json::object{
        {"systems", json::array{json::object{
                        {"id", "cancer-registry"},
                        {"name_ja", "がん登録オンラインシステム"},
                        {"name_en", "Cancer registry online system"},
                        {"kinds", json::array{json::object{{"id", "service-certificate"},
                                                           {"rule", "certificate_validity"},
                                                           {"name_ja", "サービス利用証明書"},
                                                           {"name_en", "Service-use certificate"},
                                                           {"per", "user"}}}}}}},
        {"procedures", json::array{json::object{{"id", "cancer-registry/password-change"},
                                                {"title_ja", "利用者パスワードの変更"},
                                                {"title_en", "Change the user password"},
                                                {"url", "https://mio.intra.ccr.ncc.go.jp/ikss/"},
                                                {"steps_ja", json::array{"VPNに接続する"}},
                                                {"steps_en", json::array{"Connect the VPN"}},
                                                {"phone", ""},
                                                {"hours_ja", ""},
                                                {"hours_en", ""}},
                                   json::object{{"id", "cancer-registry/call-centre"},
                                                {"title_ja", "コールセンターに連絡する"},
                                                {"title_en", "Call the call centre"},
                                                {"url", ""},
                                                {"steps_ja", json::array{"電話する"}},
                                                {"steps_en", json::array{"Call"}},
                                                {"phone", "03-3545-1511"},
                                                {"hours_ja", "平日 9:00〜17:00"},
                                                {"hours_en", "weekdays 9:00-17:00"}}}}};
}

Snapshot snapshot(Lang lang) {
    Snapshot s;
    json::object status{
        {"severity", 2},
        {"credentials", json::array{row("a", "password_rotation", "due_soon", 12, "2026-12-01"),
                                    row("b", "password_rotation", "overdue", -3, "2026-11-16"),
                                    row("c", "password_rotation", "unknown", nullptr),
                                    quota_row(5, 6, "due_soon")}},
        {"reminders",
         json::array{json::object{{"id", 7}, {"credential", "b"}, {"state", "overdue"}}}}};
    apply_status(s, status, lang);
    apply_catalog(s, catalog(), lang);
    return s;
}

// English: no catalog (the msgids are English). Japanese: the compiled ja catalog.
class TrayModel : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { init_ = std::make_unique<wxInitializer>(); }
    static void TearDownTestSuite() { init_.reset(); }
    void TearDown() override { wxTranslations::Set(nullptr); }
    static void use_japanese() {
        auto* t = new wxTranslations;
        wxTranslations::Set(t);
        wxFileTranslationsLoader::AddCatalogLookupPathPrefix(CREDWATCH_TRAY_LOCALE_DIR);
        t->SetLanguage("ja");
        ASSERT_TRUE(t->AddCatalog("credwatch-tray"))
            << "no ja catalog in " << CREDWATCH_TRAY_LOCALE_DIR;
    }
    static inline std::unique_ptr<wxInitializer> init_;
};

}  // namespace

TEST_F(TrayModel, StateToColour) {
    EXPECT_EQ(colour_for(State::ok), TrayColour::green);
    EXPECT_EQ(colour_for(State::due_soon), TrayColour::amber);
    EXPECT_EQ(colour_for(State::unknown), TrayColour::green);  // a to-do, not a warning
    EXPECT_EQ(colour_for(State::overdue), TrayColour::red);
    EXPECT_EQ(colour_for(State::quota_exhausted), TrayColour::red);

    Snapshot s;
    EXPECT_EQ(colour_for(s), TrayColour::grey);  // not connected
    s.connected = true;
    EXPECT_EQ(colour_for(s), TrayColour::green);  // nothing tracked
    s = snapshot(Lang::en);
    EXPECT_EQ(colour_for(s), TrayColour::red);  // b is overdue
    s.credentials.erase(s.credentials.begin() + 1);
    s.severity = 2;
    EXPECT_EQ(colour_for(s), TrayColour::amber);
    s.connected = false;
    EXPECT_EQ(colour_for(s), TrayColour::grey);
    EXPECT_NE(rgb(TrayColour::red).r, rgb(TrayColour::green).r);
}

// A fresh install: every recorded deadline fine, the rest still to record. The icon is green
// (amber only for a near deadline), and the to-do is a count in the menu.
TEST_F(TrayModel, StillToRecordIsAToDoCountNotAmber) {
    Snapshot s;
    apply_status(s,
                 json::object{{"severity", 1},
                              {"credentials",
                               json::array{row("a", "password_rotation", "ok", 40, "2027-01-10"),
                                           row("c", "password_rotation", "unknown", nullptr),
                                           row("d", "password_rotation", "unknown", nullptr)}},
                              {"reminders", json::array{}}},
                 Lang::en);
    s.connected = true;
    EXPECT_EQ(colour_for(s), TrayColour::green);
    EXPECT_EQ(to_record_count(s), 2);
    EXPECT_EQ(to_record_label(s), "2 to record");
    const std::string menu = dump_menu(build_menu(s));
    EXPECT_NE(menu.find("2 to record  -> open_status"), std::string::npos) << menu;

    // A deadline near, or passed, still colours the icon.
    s.credentials[0].state = State::due_soon;
    s.severity = 2;
    EXPECT_EQ(colour_for(s), TrayColour::amber);
    s.credentials[0].state = State::overdue;
    s.severity = 3;
    EXPECT_EQ(colour_for(s), TrayColour::red);
    // The service's figure alone (a row filtered out of the table): 1 is "to record".
    s.credentials.clear();
    s.severity = 1;
    EXPECT_EQ(colour_for(s), TrayColour::green);
    EXPECT_EQ(to_record_label(s), "");
    EXPECT_EQ(dump_menu(build_menu(s)).find("to record"), std::string::npos);

    use_japanese();
    Snapshot ja = snapshot(Lang::ja);
    ja.connected = true;
    EXPECT_EQ(to_record_label(ja), "記録待ち 1件");
    EXPECT_NE(dump_menu(build_menu(ja)).find("記録待ち 1件"), std::string::npos);
}

TEST_F(TrayModel, ParsesStatusRows) {
    Snapshot s = snapshot(Lang::ja);
    ASSERT_EQ(s.credentials.size(), 4u);
    EXPECT_EQ(s.credentials[0].kind_name, "利用者パスワード a");
    EXPECT_EQ(s.credentials[0].system_name, "がん登録オンラインシステム");
    EXPECT_EQ(s.credentials[0].days_left, 12);
    EXPECT_EQ(s.credentials[1].active_reminder, 7);
    EXPECT_FALSE(s.credentials[0].active_reminder);
    EXPECT_EQ(s.credentials[3].issued, 5);
    EXPECT_TRUE(s.credentials[3].counts_issuances());
    ASSERT_EQ(s.procedures.size(), 2u);
    EXPECT_EQ(s.procedures[1].phone, "03-3545-1511");
    EXPECT_EQ(s.procedures[1].hours, "平日 9:00〜17:00");
    ASSERT_EQ(s.kinds.size(), 1u);
    EXPECT_EQ(s.kinds[0].name, "がん登録オンラインシステム / サービス利用証明書");
}

TEST_F(TrayModel, DaysLeftTextEnglish) {
    Snapshot s = snapshot(Lang::en);
    EXPECT_EQ(days_left_label(s.credentials[0]), "12 days left");
    EXPECT_EQ(days_left_label(s.credentials[1]), "expired 3 days ago");
    EXPECT_EQ(days_left_label(s.credentials[2]), "no deadline yet");
    EXPECT_EQ(days_left_label(s.credentials[3]), "1 issuance left");
    CredentialView one = s.credentials[0];
    one.days_left = 1;
    EXPECT_EQ(days_left_label(one), "1 day left");
    one.days_left = 0;
    EXPECT_EQ(days_left_label(one), "due today");
    EXPECT_EQ(issuances_label(s.credentials[3]), "5/6");
    EXPECT_EQ(
        date_label(Date{std::chrono::year{2026}, std::chrono::month{12}, std::chrono::day{1}}),
        "1 Dec 2026");
    EXPECT_EQ(date_label(std::optional<Date>{}), "—");
    EXPECT_EQ(state_label(State::overdue), "Expired");
    EXPECT_EQ(tooltip(s), "credwatch\nUser password b expired 3 days ago");
    Snapshot down;
    EXPECT_NE(tooltip(down).find("not running: reminders are not being sent"), std::string::npos);
}

// The heartbeat: a service that answers but has not completed a pass for twice its interval
// sends no reminders, and the tray says so as it does for a service that is down.
TEST_F(TrayModel, SilentServiceTurnsGreyWithStartAction) {
    auto status_with = [](const char* last) {
        json::object status{
            {"now", "2026-12-01T10:00:00Z"},
            {"severity", 0},
            {"evaluation", json::object{{"every_minutes", 15}, {"last", last}}},
            {"credentials", json::array{row("a", "password_rotation", "ok", 40, "2027-01-10")}},
            {"reminders", json::array{}}};
        return status;
    };
    Snapshot fresh;
    apply_status(fresh, status_with("2026-12-01T09:45:00Z"), Lang::en);  // one interval
    EXPECT_FALSE(fresh.evaluation_stale);
    EXPECT_EQ(colour_for(fresh), TrayColour::green);
    EXPECT_EQ(dump_menu(build_menu(fresh)).find("start_service"), std::string::npos);

    Snapshot silent;
    apply_status(silent, status_with("2026-12-01T09:29:00Z"), Lang::en);  // 31 minutes
    EXPECT_TRUE(silent.evaluation_stale);
    EXPECT_EQ(colour_for(silent), TrayColour::grey);
    EXPECT_NE(tooltip(silent).find("not running: reminders are not being sent"), std::string::npos);
    const std::string menu = dump_menu(build_menu(silent));
    EXPECT_NE(menu.find("Start the credwatch service  -> start_service"), std::string::npos)
        << menu;
    // The last known rows stay visible.
    EXPECT_NE(menu.find("User password a:"), std::string::npos) << menu;

    EXPECT_TRUE(evaluation_is_stale(TimePoint{}, std::nullopt, 15));
    EXPECT_FALSE(evaluation_is_stale(TimePoint{} + std::chrono::minutes(30), TimePoint{}, 15));
    EXPECT_TRUE(evaluation_is_stale(TimePoint{} + std::chrono::minutes(31), TimePoint{}, 15));
}

TEST_F(TrayModel, JapaneseCatalog) {
    use_japanese();
    Snapshot s = snapshot(Lang::ja);
    EXPECT_EQ(days_left_label(s.credentials[0]), "あと12日");
    EXPECT_EQ(days_left_label(s.credentials[1]), "期限切れ（3日経過）");
    EXPECT_EQ(
        date_label(Date{std::chrono::year{2026}, std::chrono::month{12}, std::chrono::day{1}}),
        "2026年12月1日");
    EXPECT_EQ(state_label(State::due_soon), "期限間近");
    s.credentials.erase(s.credentials.begin() + 1);
    EXPECT_EQ(tooltip(s), "credwatch\n利用者パスワード a の期限まで あと12日");
    const std::string menu = dump_menu(build_menu(s));
    EXPECT_NE(menu.find("パスワードを変更しました"), std::string::npos) << menu;
    EXPECT_NE(menu.find("証明書を発行しました"), std::string::npos) << menu;
    EXPECT_NE(menu.find("手続きを開く"), std::string::npos) << menu;
    EXPECT_EQ(column_title(Column::days_left), "残り日数");
}

TEST_F(TrayModel, SortsRows) {
    Snapshot s = snapshot(Lang::en);
    auto ids = [](const std::vector<CredentialView>& rows) {
        std::string out;
        for (const auto& r : rows) out += r.id == "quota" ? "q" : r.id;
        return out;
    };
    auto rows = s.credentials;
    sort_rows(rows, Column::days_left, true);
    EXPECT_EQ(ids(rows), "bacq");  // overdue first; no deadline last (tie-broken by id)
    sort_rows(rows, Column::days_left, false);
    EXPECT_EQ(ids(rows), "abcq");  // no deadline still last
    sort_rows(rows, Column::state, false);
    EXPECT_EQ(ids(rows), "baqc");  // overdue, due soon (a, quota), to record
    sort_rows(rows, Column::credential, true);
    EXPECT_EQ(ids(rows), "qabc");  // "Service certificate issuances" < "User password a"
    sort_rows(rows, Column::issuances, false);
    EXPECT_EQ(rows.front().id, "quota");
    EXPECT_EQ(cell_text(rows.front(), Column::issuances), "5/6");
    EXPECT_EQ(cell_text(rows.front(), Column::owner), "this PC");
}

TEST_F(TrayModel, MenuContents) {
    Snapshot s = snapshot(Lang::en);
    auto menu = build_menu(s);
    const std::string text = dump_menu(menu);
    EXPECT_NE(text.find("Open status window  -> open_status"), std::string::npos) << text;
    EXPECT_NE(text.find("Connection checks  -> open_checks"), std::string::npos) << text;
    EXPECT_NE(text.find("User password b: expired 3 days ago  -> show_credential b"),
              std::string::npos)
        << text;
    EXPECT_NE(
        text.find("I changed a password\n  User password a (Cancer registry online system)  -> "
                  "record_change a"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("I issued a certificate\n  Service certificate issuances (5/6)  -> "
                        "record_issuance quota"),
              std::string::npos)
        << text;
    // Only the procedures of tracked credentials, once each.
    EXPECT_NE(text.find("Open a procedure\n  Change the user password  -> open_procedure "
                        "cancer-registry/password-change\n----"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Quit  -> quit"), std::string::npos);
    // Credentials in deadline order: b (overdue) before a.
    EXPECT_LT(text.find("User password b:"), text.find("User password a:"));

    Snapshot down;
    const std::string offline = dump_menu(build_menu(down));
    EXPECT_NE(offline.find("The credwatch service is not running: reminders are not being sent. "
                           "[disabled]"),
              std::string::npos)
        << offline;
    EXPECT_NE(offline.find("Start the credwatch service  -> start_service"), std::string::npos)
        << offline;
    EXPECT_EQ(offline.find("I changed a password"), std::string::npos);
}

TEST_F(TrayModel, ProcedureText) {
    Snapshot s = snapshot(Lang::en);
    const ProcedureView* p = find_procedure(s, "cancer-registry/call-centre");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(procedure_text(*p), "1. Call\n\nCall centre: 03-3545-1511 (weekdays 9:00-17:00)\n");
    EXPECT_EQ(find_procedure(s, "nope"), nullptr);
    auto n = notification_text(s.reminders.front(), find_credential(s, "b"));
    EXPECT_EQ(n.title, "User password b: Expired");
    EXPECT_NE(n.message.find("expired 3 days ago (deadline 16 Nov 2026)"), std::string::npos)
        << n.message;
}

// "Open web page" hands the procedure's address to the desktop: only http(s) with a host.
TEST(TrayUrl, OnlyHttpAndHttpsAddressesWithAHostAreOpened) {
    for (const char* url : {"https://www.ganjoho.jp/reg_stat/", "http://example.org",
                            "HTTPS://Example.org/a?b=c#d", "https://user@host:8443/x"})
        EXPECT_TRUE(is_web_url(url)) << url;
    for (const char* url : {"",
                            "file:///C:/Windows/System32/calc.exe",
                            "file://server/share/x.exe",
                            "javascript:alert(1)",
                            "\\\\server\\share\\setup.exe",
                            "//server/share",
                            "C:\\Windows\\notepad.exe",
                            "ms-settings:",
                            "mailto:a@b.jp",
                            "ftp://host/x",
                            "data:text/html,<script>",
                            "https:evil",
                            "http:///etc/passwd",
                            "https://",
                            "http:\\\\server\\share",
                            "https://host/a b",
                            "https://host/\"x\" --flag",
                            "https://host/\n",
                            " https://host/",
                            "shell:startup",
                            "vbscript:x"})
        EXPECT_FALSE(is_web_url(url)) << url;
}

TEST_F(TrayModel, Inventory) {
    json::object inv{
        {"certificates", json::array{json::object{{"path", "CurrentUser\\My"},
                                                  {"source", "store"},
                                                  {"owner", "yamada"},
                                                  {"subject", "CN=山田"},
                                                  {"issuer", "CN=ca"},
                                                  {"not_after", "2027-03-31T14:59:59Z"},
                                                  {"sha256", "ab"},
                                                  {"tracked_as", nullptr}}}}};
    auto certs = certificates_from_json(inv);
    ASSERT_EQ(certs.size(), 1u);
    EXPECT_EQ(certs[0].subject, "CN=山田");
    EXPECT_TRUE(certs[0].tracked_as.empty());
    ASSERT_TRUE(certs[0].not_after);
    EXPECT_EQ(date_label(certs[0].not_after), "31 Mar 2027");  // TZ=Asia/Tokyo in the tests
}

TEST_F(TrayModel, BannerWhenTheDatabaseWasRecoveredOrIsDamaged) {
    Snapshot s = snapshot(Lang::en);
    EXPECT_TRUE(s.store_banner.empty());
    json::object status{{"credentials", json::array{}},
                        {"store", json::object{{"integrity", "ok"},
                                               {"recovered_from",
                                                json::object{{"backup", "/b/credwatch-x.db"},
                                                             {"taken_at", "2026-11-20T18:00:00Z"}}},
                                               {"started_empty", false}}}};
    apply_status(s, status, Lang::en);
    EXPECT_NE(s.store_banner.find("restored from the backup of 21 Nov 2026"), std::string::npos)
        << s.store_banner;
    const auto menu = build_menu(s);
    ASSERT_FALSE(menu.empty());
    EXPECT_NE(menu.front().label.find("restored from the backup"), std::string::npos);

    EXPECT_EQ(store_banner(json::object{{"integrity", "ok"}}), "");
    EXPECT_NE(store_banner(json::object{{"integrity", "failed"}}).find("integrity check"),
              std::string::npos);
    EXPECT_NE(
        store_banner(json::object{{"recovered_from", json::object{}}, {"started_empty", true}})
            .find("EMPTY"),
        std::string::npos);
}

TEST(TrayModelEstimate, AnEstimatedDeadlineIsShownAsEstimated) {
    StatusRow row;
    row.id = "alice/service-certificate";
    row.rule = Rule::certificate_validity;
    row.deadline_date = Date{std::chrono::year{2027}, std::chrono::month{3}, std::chrono::day{1}};
    row.estimated = true;
    CredentialView view = credential_view(row, Lang::en);
    EXPECT_TRUE(view.estimated);
    const std::string date = date_label(*row.deadline_date);
    EXPECT_EQ(cell_text(view, Column::expires), date + " (estimated)");
    row.estimated = false;
    EXPECT_EQ(cell_text(credential_view(row, Lang::en), Column::expires), date);
}

// The issuance history: how each row came, the count after it and the quota left, in Japanese
// (記録 / 検出 / 申告) with the dates as the tray writes them.
TEST_F(TrayModel, IssuanceHistoryRowsCountAsTheLedgerDoes) {
    use_japanese();
    Snapshot s = snapshot(Lang::ja);  // its quota credential: 5 of 6
    const auto ledger_row = [](std::string how, std::string at, json::value total,
                               std::string subject, std::string who) {
        return json::object{{"credential", "quota"}, {"at", at},           {"how", how},
                            {"total", total},        {"subject", subject}, {"os_user", who}};
    };
    const json::object reply{
        {"issuances",
         json::array{ledger_row("stated", "2026-04-01T03:00:00Z", 3, "", "root"),
                     ledger_row("recorded", "2026-05-01T03:00:00Z", nullptr, "", "yamada"),
                     ledger_row("seen", "2026-05-02T03:00:00Z", nullptr, "CN=04500001", "")}}};
    const auto rows = issuance_rows_from_json(reply, s);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].how, "申告");
    EXPECT_EQ(rows[0].total, 3);
    EXPECT_EQ(rows[0].left, 3);
    EXPECT_EQ(rows[0].when, "2026年4月1日");
    EXPECT_EQ(rows[0].subject, "\u2014");
    EXPECT_EQ(rows[1].how, "記録");
    EXPECT_EQ(rows[1].who, "yamada");
    EXPECT_EQ(rows[1].total, 4);
    EXPECT_EQ(rows[2].how, "検出");
    EXPECT_EQ(rows[2].subject, "CN=04500001");
    EXPECT_EQ(rows[2].who, "\u2014");
    EXPECT_EQ(rows[2].total, 5);
    EXPECT_EQ(rows[2].left, 1);
    EXPECT_NE(dump_menu(build_menu(s)).find("発行履歴  -> issuance_ledger"), std::string::npos);
}

TEST_F(TrayModel, CandidatesAskInTheUsersLanguageWithJapaneseDates) {
    use_japanese();
    const json::object reply{
        {"kinds",
         json::array{json::object{
             {"system", "cancer-registry"},
             {"kind", "service-certificate"},
             {"name_ja", "サービス利用証明書"},
             {"name_en", "Service-use certificate"},
             {"learnt", nullptr},
             {"candidates", json::array{json::object{{"subject", "CN=04500001"},
                                                     {"issuer", "CN=Test CA"},
                                                     {"sha256", "ab12"},
                                                     {"not_before", "2025-12-11T03:00:00Z"},
                                                     {"not_after", "2026-12-11T03:00:00Z"}}}}}}}};
    const auto candidates = candidates_from_json(reply, Lang::ja);
    ASSERT_EQ(candidates.size(), 1u);
    EXPECT_EQ(candidate_question(candidates[0]), "これはサービス利用証明書ですか？");
    EXPECT_EQ(candidate_validity(candidates[0]), "有効期間: 2025年12月11日 〜 2026年12月11日");
    EXPECT_EQ(candidates[0].sha256, "ab12");
}
