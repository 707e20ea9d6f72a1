// Prometheus text exposition format, version 0.0.4.

#include "credwatch/notify/metrics.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/domain/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <system_error>
#include <vector>

namespace credwatch {

namespace {

std::int64_t unix_seconds(TimePoint t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

struct Family {
    std::string name;
    std::string help;
    std::vector<std::string> samples;  // "name{labels} value"
};

constexpr std::array<State, 5> kStates{State::ok, State::unknown, State::due_soon, State::overdue,
                                       State::quota_exhausted};

// The labels that tell the clinics apart in a fleet, appended to every credential series
// (",site_id=\"...\",account=\"...\""). An empty one is left out: to Prometheus an empty label
// and a missing one are the same series.
// A credential that names its own account (an issuance quota) carries that one instead.
std::string identity_labels(const MetricsSnapshot& s, const StatusRow& row) {
    std::string out;
    if (!s.site_id.empty()) out += fmt::format(",site_id=\"{}\"", escape_label_value(s.site_id));
    const std::string& account = row.account.empty() ? s.account : row.account;
    if (!account.empty()) out += fmt::format(",account=\"{}\"", escape_label_value(account));
    return out;
}

Family info_family(const MetricsSnapshot& s) {
    return {
        "credwatch_info",
        "Always 1; the labels name the site and the credwatch version writing this file.",
        {fmt::format(
            "credwatch_info{{organisation=\"{}\",site_id=\"{}\",account=\"{}\",version=\"{}\"}} 1",
            escape_label_value(s.organisation), escape_label_value(s.site_id),
            escape_label_value(s.account), escape_label_value(s.version))}};
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char ch : value) {
        if (ch == '\\')
            out += "\\\\";
        else if (ch == '"')
            out += "\\\"";
        else if (ch == '\n')
            out += "\\n";
        else
            out += ch;
    }
    return out;
}

std::string format_metrics(const MetricsSnapshot& s) {
    Family deadline{"credwatch_credential_deadline_timestamp_seconds",
                    "When the credential lapses, as a Unix timestamp (absent while unknown).",
                    {}};
    Family days{"credwatch_credential_day_left",
                "Local calendar days until the deadline; negative once it has passed.",
                {}};
    Family state{"credwatch_credential_state",
                 "The credential's state: 1 for the current state, 0 for the others.",
                 {}};
    Family issued{"credwatch_credential_issued",
                  "Certificates issued so far against an issuance limit (quota credentials).",
                  {}};
    Family limit{"credwatch_credential_issuance_limit",
                 "The most certificates that may be issued (quota credentials).",
                 {}};
    Family here{"credwatch_credential_issuances_here",
                "Issuances recorded or seen on this PC (its own ledger rows; not imported or "
                "stated): summed by account across the PCs.",
                {}};

    std::vector<const StatusRow*> rows;
    for (const auto& v : s.rows) rows.push_back(&v);
    std::sort(rows.begin(), rows.end(),
              [](const StatusRow* a, const StatusRow* b) { return a->id < b->id; });
    for (const StatusRow* row : rows) {
        const std::string identity = identity_labels(s, *row);
        const std::string labels =
            fmt::format("credential=\"{}\",system=\"{}\",kind=\"{}\",owner=\"{}\"{}",
                        escape_label_value(row->id), escape_label_value(row->system),
                        escape_label_value(row->kind), escape_label_value(row->owner), identity);
        if (const auto& t = row->deadline) {
            deadline.samples.push_back(
                fmt::format("{}{{{}}} {}", deadline.name, labels, unix_seconds(*t)));
        }
        if (auto d = row->days_left)
            days.samples.push_back(fmt::format("{}{{{}}} {}", days.name, labels, *d));
        const auto current = row->state;
        for (State st : kStates)
            state.samples.push_back(fmt::format("{}{{{},state=\"{}\"}} {}", state.name, labels,
                                                to_string(st), st == current ? 1 : 0));
        if (auto n = row->issued)
            issued.samples.push_back(fmt::format("{}{{{}}} {}", issued.name, labels, *n));
        if (auto n = row->limit)
            limit.samples.push_back(fmt::format("{}{{{}}} {}", limit.name, labels, *n));
        if (auto n = row->issued_here)
            here.samples.push_back(fmt::format("{}{{{}}} {}", here.name, labels, *n));
    }

    std::vector<Family> families;
    if (!s.site_id.empty()) families.push_back(info_family(s));  // the service always has one
    for (Family* f : {&deadline, &days, &state, &issued, &limit, &here})
        families.push_back(std::move(*f));
    families.push_back({"credwatch_scan_certificates",
                        "Certificates found by the last scan (folders, stores, reported by users).",
                        {fmt::format("credwatch_scan_certificates {}", s.certificates)}});
    families.push_back({"credwatch_scan_errors",
                        "Certificate files or stores the last scan could not read.",
                        {fmt::format("credwatch_scan_errors {}", s.scan_errors)}});
    families.push_back({"credwatch_last_evaluation_timestamp_seconds",
                        "When credwatch last evaluated the deadlines, as a Unix timestamp.",
                        {fmt::format("credwatch_last_evaluation_timestamp_seconds {}",
                                     unix_seconds(s.evaluated_at))}});
    if (s.mail) {
        families.push_back(
            {"credwatch_mail_outbox_pending_messages",
             "E-mail messages queued and not sent yet.",
             {fmt::format("credwatch_mail_outbox_pending_messages {}", s.mail->pending)}});
        families.push_back(
            {"credwatch_mail_outbox_failing_messages",
             "Queued e-mail messages whose last attempt to send failed.",
             {fmt::format("credwatch_mail_outbox_failing_messages {}", s.mail->failing)}});
    }

    // 0 only for a failed check: a warning (a recommended check's problem), "cannot check" and
    // "not applicable" do not break a connection. credwatch_check_state tells them apart.
    Family check_ok{
        "credwatch_check_ok",
        "1 unless the check failed (the service's own, or a user's session's: label user; "
        "docs/doctor.md).",
        {}};
    Family check_state{"credwatch_check_state",
                       "1 for the state of each check the service runs, 0 for the others.",
                       {}};
    std::string site;
    if (!s.site_id.empty()) site = fmt::format(",site_id=\"{}\"", escape_label_value(s.site_id));
    for (const auto& c : s.checks) {
        std::string labels = fmt::format("system=\"{}\",check=\"{}\"", escape_label_value(c.system),
                                         escape_label_value(c.id));
        if (!c.user.empty()) labels += fmt::format(",user=\"{}\"", escape_label_value(c.user));
        labels += site;
        check_ok.samples.push_back(fmt::format("credwatch_check_ok{{{}}} {}", labels,
                                               c.state == CheckState::failed ? 0 : 1));
        for (auto st : {CheckState::ok, CheckState::warning, CheckState::failed,
                        CheckState::not_applicable, CheckState::cannot_check})
            check_state.samples.push_back(fmt::format("credwatch_check_state{{{},state=\"{}\"}} {}",
                                                      labels, to_string(st),
                                                      c.state == st ? 1 : 0));
    }
    families.push_back(std::move(check_ok));
    families.push_back(std::move(check_state));

    std::string out;
    for (const auto& f : families) {
        if (f.samples.empty()) continue;
        out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", f.name, f.help, f.name);
        for (const auto& sample : f.samples) out += sample + "\n";
    }
    return out;
}

}  // namespace credwatch
