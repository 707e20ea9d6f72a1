#include "credwatch/notify/text.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/date_text.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <string>

namespace credwatch {

namespace {

// Terminal columns taken by UTF-8 text: East Asian wide and full-width characters take two.
std::size_t display_width(std::string_view s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        char32_t cp = 0;
        int len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c >> 5) == 0x6) {
            cp = c & 0x1F;
            len = 2;
        } else if ((c >> 4) == 0xE) {
            cp = c & 0x0F;
            len = 3;
        } else {
            cp = c & 0x07;
            len = 4;
        }
        for (int k = 1; k < len && i + static_cast<std::size_t>(k) < s.size(); ++k)
            cp =
                (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
        bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
        width += wide ? 2 : 1;
        i += static_cast<std::size_t>(len);
    }
    return width;
}

std::string pad(std::string s, std::size_t width) {
    std::size_t w = display_width(s);
    if (w < width) s.append(width - w, ' ');
    return s;
}

// The evaluation's short English reason, in the reader's language.
std::string reason_text(const std::string& reason, Lang lang) {
    if (lang == Lang::en) return reason;
    static const std::pair<std::string_view, std::string_view> kJapanese[] = {
        {"no password change recorded", "変更日が未登録"},
        {"no document date recorded", "取得日が未登録"},
        {"certificate not found", "証明書が見つかりません"},
        {"kind not in the catalog", "カタログにない種類"},
    };
    for (const auto& [en, ja] : kJapanese)
        if (reason == en) return std::string(ja);
    return reason;
}

}  // namespace

std::string state_text(State state, Lang lang) {
    const bool ja = lang == Lang::ja;
    switch (state) {
        case State::unknown:
            return ja ? "未登録" : "to record";
        case State::ok:
            return ja ? "正常" : "ok";
        case State::due_soon:
            return ja ? "期限間近" : "due soon";
        case State::overdue:
            return ja ? "期限切れ" : "expired";
        case State::quota_exhausted:
            return ja ? "発行上限" : "quota used up";
    }
    return "?";
}

std::string days_left_text(int days_left, bool overdue, Lang lang) {
    const bool ja = lang == Lang::ja;
    if (overdue) {
        int ago = -days_left;
        if (ago <= 0) return ja ? "本日期限切れ" : "expired today";
        return ja ? fmt::format("期限切れ（{}日経過）", ago)
                  : fmt::format("expired {} days ago", ago);
    }
    if (days_left == 0) return ja ? "本日まで" : "due today";
    return ja ? fmt::format("あと{}日", days_left) : fmt::format("{} days left", days_left);
}

std::string format_status_table(const std::vector<StatusRow>& rows, Lang lang) {
    const bool ja = lang == Lang::ja;
    std::vector<std::array<std::string, 6>> table;
    table.push_back(
        ja ? std::array<std::string, 6>{"状態", "システム", "項目", "所有者", "期限", "残り"}
           : std::array<std::string, 6>{"STATE", "SYSTEM", "CREDENTIAL", "OWNER", "DEADLINE",
                                        "LEFT"});
    for (const StatusRow& r : rows) {
        const State state = r.state;
        std::string system = ja ? r.system_name_ja : r.system_name_en;
        if (system.empty()) system = r.system;
        std::string label = r.label;
        if (label.empty()) label = ja ? r.kind_name_ja : r.kind_name_en;
        std::string owner = r.owner;
        if (owner == "machine") owner = ja ? "端末" : "machine";
        std::string deadline = r.deadline_date ? format_date(*r.deadline_date) : std::string();
        if (r.estimated && !deadline.empty()) deadline += ja ? "（推定）" : " (estimated)";
        std::string left;
        if (r.issued && r.limit) {
            left = ja ? fmt::format("{}/{} 発行済", *r.issued, *r.limit)
                      : fmt::format("{}/{} issued", *r.issued, *r.limit);
        } else if (r.days_left) {
            left = days_left_text(*r.days_left, state == State::overdue, lang);
        } else {
            left = reason_text(r.reason, lang);
        }
        table.push_back({state_text(state, lang), system, label, owner,
                         deadline.empty() ? "-" : deadline, left});
    }
    std::array<std::size_t, 6> widths{};
    for (const auto& row : table)
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));
    std::string out;
    for (const auto& row : table) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i)
            line += (i + 1 < row.size()) ? pad(row[i], widths[i] + 2) : row[i];
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

ReminderText check_failing_text(const CheckDefinition& check, const CheckRecord& record,
                                std::string_view system_name, Lang lang,
                                std::string_view organisation) {
    const bool ja = lang == Lang::ja;
    const std::string& title = ja ? check.title_ja : check.title_en;
    ReminderText text;
    text.subject =
        ja ? fmt::format("[credwatch] {}：接続の前提が崩れています：{}", system_name, title)
           : fmt::format("[credwatch] {}: a prerequisite fails: {}", system_name, title);
    std::string body;
    if (!organisation.empty()) body += std::string(organisation) + "\n\n";
    const std::string since =
        record.failing_since ? format_utc(*record.failing_since) : format_utc(record.checked_at);
    body += ja ? fmt::format("{}の接続の前提「{}」を満たしていません（{} から）。\n\n", system_name,
                             title, since)
               : fmt::format("A prerequisite of {} does not hold since {}: {}.\n\n", system_name,
                             since, title);
    // A session's evidence came from a local user's process: not repeated in a mail.
    if (!record.user.empty())
        body +=
            ja ? fmt::format("確認したセッション: {}（結果は `credwatch checks` で確認できます）\n",
                             record.user)
               : fmt::format(
                     "Checked in the session of: {} (`credwatch checks` shows what it "
                     "found)\n",
                     record.user);
    else
        body += ja ? "結果: " + record.evidence_ja + "\n" : "Found: " + record.evidence_en + "\n";
    body += ja ? "対処: " + check.fix_ja + "\n" : "Fix: " + check.fix_en + "\n";
    body += (ja ? "マニュアル: " : "Manual: ") + check.manual + "\n";
    body += ja ? fmt::format("\nチェック: {}（`credwatch checks` で最新の結果を確認できます）\n",
                             check_path(check))
               : fmt::format("\nCheck: {} (`credwatch checks` shows the latest results)\n",
                             check_path(check));
    text.body = std::move(body);
    return text;
}

ReminderText check_recovered_text(const CheckDefinition& check, const CheckRecord& record,
                                  std::string_view system_name, Lang lang) {
    const bool ja = lang == Lang::ja;
    const std::string& title = ja ? check.title_ja : check.title_en;
    ReminderText text;
    text.subject =
        ja ? fmt::format("[credwatch] {}：接続の前提が回復しました：{}", system_name, title)
           : fmt::format("[credwatch] {}: a prerequisite holds again: {}", system_name, title);
    text.body = (ja ? "結果: " + record.evidence_ja : "Found: " + record.evidence_en) + "\n";
    return text;
}

ReminderText reminder_text(const Reminder& reminder, const StatusRow& row,
                           const std::vector<Procedure>& procedures, Lang lang,
                           std::string_view organisation) {
    const bool ja = lang == Lang::ja;
    std::string system = ja ? row.system_name_ja : row.system_name_en;
    std::string what = row.label;
    if (what.empty()) what = ja ? row.kind_name_ja : row.kind_name_en;
    // As the tray writes it (base/date_text.hpp); the CLI's table keeps ISO above.
    std::string deadline = row.deadline_date ? date_text(*row.deadline_date, lang) : std::string();
    if (row.estimated && !deadline.empty()) deadline += ja ? "（推定）" : " (estimated)";
    ReminderText text;
    std::string status;
    switch (reminder.state) {
        case State::quota_exhausted:
            status =
                ja ? fmt::format("証明書の発行回数が上限（{}回）に達しました", reminder.limit)
                   : fmt::format("the certificate issuance limit ({}) is used up", reminder.limit);
            break;
        case State::overdue:
            status = ja ? fmt::format("期限切れです（期限 {}）", deadline)
                        : fmt::format("has expired (deadline {})", deadline);
            break;
        default:
            if (reminder.key.starts_with("q")) {
                int left = reminder.limit - reminder.issued;
                status = ja ? fmt::format("証明書の発行はあと{}回です（{}/{}）", left,
                                          reminder.issued, reminder.limit)
                            : fmt::format("{} certificate issuance(s) left ({}/{})", left,
                                          reminder.issued, reminder.limit);
            } else {
                int days = reminder.days_left.value_or(0);
                status = ja ? fmt::format("期限まであと{}日です（期限 {}）", days, deadline)
                            : fmt::format("expires in {} days (deadline {})", days, deadline);
            }
    }
    text.subject = ja ? fmt::format("[credwatch] {} {}：{}", system, what, status)
                      : fmt::format("[credwatch] {} {}: {}", system, what, status);
    std::string body;
    if (!organisation.empty()) body += std::string(organisation) + "\n\n";
    body += ja ? fmt::format("{}の「{}」は{}。\n", system, what, status)
               : fmt::format("The {} \"{}\" {}.\n", system, what, status);
    const std::string& owner = row.owner;
    if (!owner.empty() && owner != "machine")
        body += ja ? fmt::format("対象ユーザー: {}\n", owner) : fmt::format("User: {}\n", owner);
    for (const auto& p : procedures) {
        body += "\n";
        body += ja ? fmt::format("■ {}\n", p.title_ja) : fmt::format("* {}\n", p.title_en);
        const auto& steps = ja ? p.steps_ja : p.steps_en;
        int n = 1;
        for (const auto& step : steps) body += fmt::format("  {}. {}\n", n++, step);
        if (!p.url.empty()) body += fmt::format("  URL: {}\n", p.url);
        if (!p.phone.empty()) {
            body += ja ? fmt::format("  コールセンター: {}（{}）\n", p.phone, p.hours_ja)
                       : fmt::format("  Call centre: {} ({})\n", p.phone, p.hours_en);
        }
        if (!p.manual.empty())
            body +=
                ja ? fmt::format("  参照: {}\n", p.manual) : fmt::format("  See: {}\n", p.manual);
    }
    text.body = std::move(body);
    return text;
}

}  // namespace credwatch
