// The Prometheus textfile: format, escaping, and the atomic replacement of the file.

#include "credwatch/notify/metrics.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace credwatch;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

const TimePoint kStart = sys_days{2026y / March / 10} + 12h;

StatusRow row(const std::string& id, const std::string& kind, State state) {
    StatusRow r;
    r.id = id;
    r.system = "cancer-registry";
    r.kind = kind;
    r.owner = "machine";
    r.state = state;
    return r;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

}  // namespace

TEST(Metrics, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("plain"), "plain");
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_EQ(escape_label_value("山田"), "山田");
}

TEST(Metrics, Format) {
    MetricsSnapshot s;
    auto pw = row("cancer-registry/user-password", "user-password", State::due_soon);
    pw.deadline = sys_days{2026y / March / 24} + 15h;  // 2026-03-24T15:00:00Z
    pw.days_left = 14;
    auto quota = row("cancer-registry/certificate-issuance", "certificate-issuance", State::ok);
    quota.issued = 5;
    quota.limit = 6;
    auto odd = row("lab/\"quoted\"", "portal-password", State::unknown);
    odd.owner = "yamada";
    s.rows = {pw, quota, odd};
    s.certificates = 12;
    s.scan_errors = 1;
    s.evaluated_at = kStart;
    const std::string text = format_metrics(s);

    const std::string pw_labels =
        "credential=\"cancer-registry/"
        "user-password\",system=\"cancer-registry\",kind=\"user-password\","
        "owner=\"machine\"";
    for (const std::string& line : std::vector<std::string>{
             "# HELP credwatch_credential_deadline_timestamp_seconds ",
             "# TYPE credwatch_credential_deadline_timestamp_seconds gauge\n",
             "credwatch_credential_deadline_timestamp_seconds{" + pw_labels + "} 1774364400\n",
             "credwatch_credential_day_left{" + pw_labels + "} 14\n",
             "credwatch_credential_state{" + pw_labels + ",state=\"due_soon\"} 1\n",
             "credwatch_credential_state{" + pw_labels + ",state=\"ok\"} 0\n",
             std::string(
                 "credwatch_credential_issued{credential=\"cancer-registry/certificate-issuance\","
                 "system=\"cancer-registry\",kind=\"certificate-issuance\",owner=\"machine\"} 5\n"),
             std::string(
                 "credwatch_credential_issuance_limit{credential=\"cancer-registry/"
                 "certificate-issuance\","
                 "system=\"cancer-registry\",kind=\"certificate-issuance\",owner=\"machine\"} 6\n"),
             std::string("credwatch_credential_state{credential=\"lab/"
                         "\\\"quoted\\\"\",system=\"cancer-registry\","
                         "kind=\"portal-password\",owner=\"yamada\",state=\"unknown\"} 1\n"),
             std::string("credwatch_scan_certificates 12\n"),
             std::string("credwatch_scan_errors 1\n"),
             std::string("credwatch_last_evaluation_timestamp_seconds 1773144000\n")})
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
    // One-hot: five states per credential, exactly one of them 1.
    EXPECT_EQ(count(text, "credwatch_credential_state{"), 15u);
    EXPECT_EQ(count(text, "} 1\n"), 3u);
    // Only the quota credential has issuance metrics; only dated ones a deadline.
    EXPECT_EQ(count(text, "credwatch_credential_issued{"), 1u);
    EXPECT_EQ(count(text, "credwatch_credential_deadline_timestamp_seconds{"), 1u);
    // Without e-mail, no mail metrics; each family has one HELP and one TYPE.
    EXPECT_EQ(text.find("credwatch_mail_"), std::string::npos);
    EXPECT_EQ(count(text, "# TYPE credwatch_credential_state gauge\n"), 1u);
    EXPECT_EQ(text.back(), '\n');

    s.mail = MailQueueStats{3, 2};
    const std::string with_mail = format_metrics(s);
    EXPECT_NE(with_mail.find("credwatch_mail_outbox_pending_messages 3\n"), std::string::npos);
    EXPECT_NE(with_mail.find("credwatch_mail_outbox_failing_messages 2\n"), std::string::npos);
}

TEST(Metrics, IdentityOfTheSite) {
    MetricsSnapshot s;
    auto pw = row("cancer-registry/user-password", "user-password", State::overdue);
    pw.days_left = -2;
    auto quota =
        row("cancer-registry/certificate-issuance", "certificate-issuance", State::quota_exhausted);
    quota.issued = 6;
    quota.limit = 6;
    s.rows = {pw, quota};
    s.evaluated_at = kStart;
    s.organisation = "山田\"クリニック\"\n本院";
    s.site_id = "tokyo\\minato-01";
    s.account = "利用者0042";
    s.version = "0.3.0";
    const std::string text = format_metrics(s);

    EXPECT_NE(
        text.find("# TYPE credwatch_info gauge\n"
                  "credwatch_info{organisation=\"山田\\\"クリニック\\\"\\n本院\","
                  "site_id=\"tokyo\\\\minato-01\",account=\"利用者0042\",version=\"0.3.0\"} 1\n"),
        std::string::npos)
        << text;
    const std::string identity = ",site_id=\"tokyo\\\\minato-01\",account=\"利用者0042\"";
    // Every credential series carries the identity; the machine-wide ones do not (they are
    // joined with credwatch_info on instance).
    std::size_t credential_series = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.rfind("credwatch_credential_", 0) != 0) continue;
        ++credential_series;
        EXPECT_NE(line.find(identity), std::string::npos) << line;
    }
    EXPECT_EQ(credential_series, 6u + 7u);  // day_left and 5 states; 5 states, issued, limit
    EXPECT_NE(text.find("credwatch_credential_state{credential=\"cancer-registry/user-password\","
                        "system=\"cancer-registry\",kind=\"user-password\",owner=\"machine\"" +
                        identity + ",state=\"overdue\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("credwatch_last_evaluation_timestamp_seconds 1773144000\n"),
              std::string::npos);
    EXPECT_EQ(count(text, "credwatch_info{"), 1u);
}

TEST(Metrics, AnEmptyAccountIsLeftOut) {
    MetricsSnapshot s;
    s.rows = {row("gtol/user-password", "user-password", State::ok)};
    s.evaluated_at = kStart;
    s.site_id = "clinic-7";
    const std::string text = format_metrics(s);
    EXPECT_NE(text.find("owner=\"machine\",site_id=\"clinic-7\",state=\"ok\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("account=\"\"}"), std::string::npos);
    EXPECT_NE(text.find("credwatch_info{organisation=\"\",site_id=\"clinic-7\",account=\"\","
                        "version=\"\"} 1\n"),
              std::string::npos);
}

TEST(Metrics, EachPcReportsItsOwnIssuancesUnderTheCredentialsAccount) {
    MetricsSnapshot s;
    s.site_id = "pc2";
    s.account = "U0042";  // [metrics] account: for the credentials that name none
    auto quota = row("cancer-registry/certificate-issuance", "certificate-issuance", State::ok);
    quota.issued = 4;
    quota.limit = 6;
    quota.issued_here = 1;
    quota.account = "04500001";
    auto other = row("cancer-registry/other-issuance", "certificate-issuance", State::ok);
    other.issued = 0;
    other.limit = 6;
    other.issued_here = 0;
    auto pw = row("cancer-registry/user-password", "user-password", State::ok);
    s.rows = {quota, other, pw};
    s.evaluated_at = kStart;
    const std::string text = format_metrics(s);
    EXPECT_NE(text.find("# TYPE credwatch_credential_issuances_here gauge\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("credwatch_credential_issuances_here{credential=\"cancer-registry/"
                        "certificate-issuance\",system=\"cancer-registry\",kind=\"certificate-"
                        "issuance\",owner=\"machine\",site_id=\"pc2\",account=\"04500001\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("credwatch_credential_issued{credential=\"cancer-registry/certificate-"
                        "issuance\",system=\"cancer-registry\",kind=\"certificate-issuance\","
                        "owner=\"machine\",site_id=\"pc2\",account=\"04500001\"} 4\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("credwatch_credential_issuances_here{credential=\"cancer-registry/other-"
                        "issuance\",system=\"cancer-registry\",kind=\"certificate-issuance\","
                        "owner=\"machine\",site_id=\"pc2\",account=\"U0042\"} 0\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(count(text, "credwatch_credential_issuances_here{"), 2u);  // quotas only
}
