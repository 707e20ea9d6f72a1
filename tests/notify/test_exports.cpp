// The calendar (.ics) and CSV exports.

#include "credwatch/notify/exports.hpp"

#include "credwatch/base/civil_time.hpp"

#include "text_checks.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace credwatch;
using namespace credwatch::test;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

const TimePoint kStart = sys_days{2026y / March / 10} + 12h;

void expect_crlf_only(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            EXPECT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
        }
        if (text[i] == '\r') {
            EXPECT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "bare CR at " << i;
        }
    }
}

StatusRow row(const std::string& id, const std::string& deadline_date, int days_left,
              const std::string& state) {
    StatusRow r;
    r.id = id;
    r.system = "cancer-registry";
    r.kind = "user-password";
    r.owner = "machine";
    r.system_name_ja = "がん登録オンラインシステム";
    r.system_name_en = "Cancer registry online system";
    r.kind_name_ja = "利用者パスワード";
    r.kind_name_en = "User password";
    if (!deadline_date.empty()) {
        r.deadline_date = *parse_date(deadline_date);
        r.deadline = *parse_utc(deadline_date + "T15:00:00Z");
        r.days_left = days_left;
    }
    r.state = *state_from_string(state);
    r.generation = 3;
    r.procedures = {"cancer-registry/password-change"};
    return r;
}

Procedure password_change() {
    Procedure p;
    p.id = "cancer-registry/password-change";
    p.title_ja = "利用者パスワードの変更";
    p.title_en = "Change the user password";
    p.url = "https://mio.intra.ccr.ncc.go.jp/ikss/";
    p.steps_ja = {"VPNに接続します。", "パスワードを変更します; 期限前に, 必ず"};
    p.steps_en = {"Connect the VPN.", "Change the password."};
    p.phone = "03-3545-1511";
    p.hours_ja = "平日 9:00〜17:00";
    p.hours_en = "weekdays 9:00-17:00";
    return p;
}

}  // namespace

TEST(Csv, FieldQuoting) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("two\r\nlines"), "\"two\r\nlines\"");
    EXPECT_EQ(csv_field("がん登録"), "がん登録");
    // Excel formulas are defused in text; numbers stay numbers.
    EXPECT_EQ(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(csv_field("-3", false), "-3");
}

TEST(Csv, DeadlinesWithBomCrlfAndJapaneseHeader) {
    std::vector<StatusRow> rows{row("cancer-registry/user-password", "2026-03-24", 14, "due_soon"),
                                row("gtol/user-password", "", 0, "unknown")};
    rows[0].label = "受付PC, 1階";
    const std::string csv = export_deadlines_csv(rows, Lang::ja);
    ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
    expect_crlf_only(csv);
    auto lines = crlf_lines(csv.substr(3));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "ID,システム,種類,名称,所有者,状態,期限日,残り日数,発行済,上限");
    EXPECT_EQ(lines[1],
              "cancer-registry/user-password,がん登録オンラインシステム,利用者パスワード,"
              "\"受付PC, 1階\",端末,期限間近,2026-03-24,14,,");
    EXPECT_EQ(lines[2],
              "gtol/user-password,がん登録オンラインシステム,利用者パスワード,,端末,未登録,,,,");

    const std::string en = export_deadlines_csv(rows, Lang::en);
    EXPECT_EQ(crlf_lines(en.substr(3))[0],
              "id,system,kind,label,owner,state,deadline_date,days_left,issued,limit");
}

TEST(Csv, InventoryInLocalTime) {
    InventoryEntry entry;
    entry.certificate.location = "/certs/client,1.p12";
    entry.certificate.owner = "yamada";
    entry.certificate.info.subject = "CN=山田太郎,O=テスト病院";
    entry.certificate.info.issuer = "CN=Online Billing NW Common Root CA";
    entry.certificate.info.serial = "0a1b";
    entry.certificate.info.not_before = *parse_utc("2025-01-01T00:00:00Z");
    entry.certificate.info.not_after = *parse_utc("2026-03-24T15:00:00Z");
    entry.certificate.info.sha256 = std::string(64, 'c');
    std::vector<InventoryEntry> certs{entry};
    const std::string csv = export_inventory_csv(certs, Lang::en);
    expect_crlf_only(csv);
    auto lines = crlf_lines(csv.substr(3));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "path,owner,subject,issuer,serial,not_before,not_after,sha256,tracked_as");
    EXPECT_EQ(lines[1],
              "\"/certs/client,1.p12\",yamada,\"CN=山田太郎,O=テスト病院\",CN=Online Billing NW "
              "Common Root CA,0a1b,2025-01-01 09:00:00,2026-03-25 00:00:00," +
                  std::string(64, 'c') + ",");
}

TEST(Ics, Escaping) {
    EXPECT_EQ(ics_escape("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
}

TEST(Ics, FoldingAt75OctetsNeverSplitsACharacter) {
    std::string line = "DESCRIPTION:";
    for (int i = 0; i < 60; ++i) line += "期限";  // 3-byte characters: folds fall mid-character
    line += "🏥a";
    const std::string folded = ics_fold(line);
    ASSERT_EQ(folded.substr(folded.size() - 2), "\r\n");
    auto lines = crlf_lines(folded);
    ASSERT_GT(lines.size(), 3u);
    std::string unfolded;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].empty()) continue;
        EXPECT_LE(lines[i].size(), 75u) << i;
        std::string content = lines[i];
        if (i > 0) {
            ASSERT_EQ(content.front(), ' ');
            content.erase(0, 1);
        }
        EXPECT_TRUE(valid_utf8(content)) << "line " << i << " splits a character";
        unfolded += content;
    }
    EXPECT_EQ(unfolded, line);
    EXPECT_EQ(ics_fold("SHORT:x"), "SHORT:x\r\n");
}

TEST(Ics, OneEventPerDatedCredentialWithAnAlarm) {
    std::vector<StatusRow> rows{row("cancer-registry/user-password", "2026-03-24", 14, "due_soon"),
                                row("gtol/user-password", "", 0, "unknown"),
                                row("orca-cloud/client-certificate", "2026-11-25", 260, "ok")};
    rows[2].system = "orca-cloud";
    rows[2].kind = "client-certificate";
    IcsOptions options;
    options.lang = Lang::ja;
    options.now = kStart;
    options.uid_domain = "pc-001";
    options.alarm_days["orca-cloud/client-certificate"] = 60;
    const std::string ics = export_ics(rows, {password_change()}, options);
    expect_crlf_only(ics);
    for (const auto& l : crlf_lines(ics)) EXPECT_LE(l.size(), 75u) << l;
    // Unfolded content lines.
    std::string unfolded;
    for (std::size_t i = 0; i < ics.size(); ++i) {
        if (ics.compare(i, 3, "\r\n ") == 0) {
            i += 2;
            continue;
        }
        unfolded += ics[i];
    }
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto pos = unfolded.find(needle); pos != std::string::npos;
             pos = unfolded.find(needle, pos + 1))
            ++n;
        return n;
    };
    EXPECT_EQ(unfolded.substr(0, 17), "BEGIN:VCALENDAR\r\n");
    EXPECT_EQ(count("BEGIN:VEVENT\r\n"), 2u);
    EXPECT_EQ(count("BEGIN:VALARM\r\n"), 2u);
    EXPECT_EQ(count("END:VCALENDAR\r\n"), 1u);
    for (const char* part :
         {"UID:cancer-registry/user-password.g3@pc-001\r\n", "DTSTAMP:20260310T120000Z\r\n",
          "DTSTART;VALUE=DATE:20260324\r\n", "DTEND;VALUE=DATE:20260325\r\n",
          "SUMMARY:[credwatch] がん登録オンラインシステム 利用者パスワード の期限\r\n",
          "URL:https://mio.intra.ccr.ncc.go.jp/ikss/\r\n", "TRIGGER:-P13DT15H\r\n",
          "TRIGGER:-P59DT15H\r\n", "パスワードを変更します\\; 期限前に\\, 必ず",
          "コールセンター: 03-3545-1511（平日 9:00〜17:00）", "DTSTART;VALUE=DATE:20261125\r\n"})
        EXPECT_NE(unfolded.find(part), std::string::npos) << part << "\nin:\n" << unfolded;
    EXPECT_EQ(unfolded.find("gtol/user-password"), std::string::npos) << "no date, no event";
}
