// iCalendar and CSV exports.

#include "credwatch/notify/exports.hpp"

#include "credwatch/base/civil_time.hpp"

#include <fmt/format.h>

#include <array>

namespace credwatch {

namespace {

constexpr std::size_t kIcsLineOctets = 75;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string num_text(const std::optional<int>& n) {
    return n ? std::to_string(*n) : std::string();
}

bool is_continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// "20260324" from "2026-03-24".
std::string ics_date(Date d) {
    return fmt::format("{:04}{:02}{:02}", static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::string ics_utc(TimePoint t) {
    // format_utc gives "2026-03-10T12:00:00Z".
    std::string s = format_utc(t);
    std::string out;
    for (char ch : s)
        if (ch != '-' && ch != ':') out += ch;
    return out;
}

std::string local_time_text(TimePoint t) {
    std::string local = format_local(t);  // 2026-03-10T21:00:00+09:00
    if (local.size() >= 19) {
        local = local.substr(0, 19);
        local[10] = ' ';
    }
    return local;
}

std::string what_of(const StatusRow& row, bool ja) {
    std::string what = row.label;
    if (what.empty()) what = ja ? row.kind_name_ja : row.kind_name_en;
    if (what.empty()) what = row.kind;
    return what;
}

std::string system_of(const StatusRow& row, bool ja) {
    const std::string& system = ja ? row.system_name_ja : row.system_name_en;
    return system.empty() ? row.system : system;
}

std::string kind_of(const StatusRow& row, bool ja) {
    const std::string& kind = ja ? row.kind_name_ja : row.kind_name_en;
    return kind.empty() ? row.kind : kind;
}

std::string owner_of(const std::string& owner, bool ja) {
    if (owner == "machine") return ja ? "端末" : "machine";
    return owner;
}

std::string csv_line(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        out += fields[i];
    }
    out += "\r\n";
    return out;
}

}  // namespace

std::string ics_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        switch (ch) {
            case '\\':
                out += "\\\\";
                break;
            case ';':
                out += "\\;";
                break;
            case ',':
                out += "\\,";
                break;
            case '\r':
                if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
                out += "\\n";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                // Other control characters are not allowed in TEXT.
                if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') break;
                out += ch;
        }
    }
    return out;
}

std::string ics_fold(std::string_view line) {
    std::string out;
    std::size_t budget = kIcsLineOctets;  // the first line; continuations lose one to the space
    while (line.size() > budget) {
        std::size_t cut = budget;
        while (cut > 0 && is_continuation(static_cast<unsigned char>(line[cut]))) --cut;
        if (cut == 0) cut = budget;  // not UTF-8: cut anyway rather than loop
        out.append(line.substr(0, cut));
        out += "\r\n ";
        line.remove_prefix(cut);
        budget = kIcsLineOctets - 1;
    }
    out.append(line);
    out += "\r\n";
    return out;
}

std::string csv_field(std::string_view value, bool text) {
    std::string v(value);
    if (text && !v.empty() &&
        std::string_view("=+-@\t\r").find(v.front()) != std::string_view::npos)
        v.insert(v.begin(), '\'');
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char ch : v) {
        if (ch == '"') out += '"';
        out += ch;
    }
    out += '"';
    return out;
}

std::string export_ics(const std::vector<StatusRow>& rows, const std::vector<Procedure>& procedures,
                       const IcsOptions& options) {
    const bool ja = options.lang == Lang::ja;
    std::string out;
    auto line = [&](std::string_view text) { out += ics_fold(text); };
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(fmt::format("PRODID:-//credwatch//credwatch//{}", ja ? "JA" : "EN"));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line("X-WR-CALNAME:" + ics_escape(ja ? "credwatch 期限" : "credwatch deadlines"));
    const std::string stamp = ics_utc(options.now);
    const std::string domain =
        options.uid_domain.empty() ? "credwatch.invalid" : options.uid_domain;
    for (const StatusRow& row : rows) {
        const auto& date = row.deadline_date;
        if (!date) continue;
        const std::string& id = row.id;
        const std::string what = what_of(row, ja);
        const std::string system = system_of(row, ja);
        const std::string summary = ja ? fmt::format("[credwatch] {} {} の期限", system, what)
                                       : fmt::format("[credwatch] {} deadline ({})", what, system);
        std::string description =
            ja ? fmt::format("{}の「{}」の期限は {} です。\n", system, what, format_date(*date))
               : fmt::format("The {} \"{}\" lapses on {}.\n", system, what, format_date(*date));
        const std::string& owner = row.owner;
        if (!owner.empty() && owner != "machine")
            description +=
                ja ? fmt::format("対象ユーザー: {}\n", owner) : fmt::format("User: {}\n", owner);
        description += ja ? fmt::format("credwatch の項目: {}\n", id)
                          : fmt::format("credwatch item: {}\n", id);
        std::string url;
        for (const auto& pid : row.procedures) {
            const Procedure* p = nullptr;
            for (const auto& candidate : procedures)
                if (candidate.id == pid) p = &candidate;
            if (!p) continue;
            description += "\n";
            description +=
                ja ? fmt::format("■ {}\n", p->title_ja) : fmt::format("* {}\n", p->title_en);
            int n = 1;
            for (const auto& step : ja ? p->steps_ja : p->steps_en)
                description += fmt::format("  {}. {}\n", n++, step);
            if (!p->url.empty()) {
                description += fmt::format("  URL: {}\n", p->url);
                if (url.empty()) url = p->url;
            }
            if (!p->phone.empty())
                description +=
                    ja ? fmt::format("  コールセンター: {}（{}）\n", p->phone, p->hours_ja)
                       : fmt::format("  Call centre: {} ({})\n", p->phone, p->hours_en);
        }
        int alarm = 14;
        if (auto it = options.alarm_days.find(row.system + "/" + row.kind);
            it != options.alarm_days.end() && it->second >= 1)
            alarm = it->second;
        const auto generation = row.generation;

        line("BEGIN:VEVENT");
        line(fmt::format("UID:{}.g{}@{}", ics_escape(id), generation, domain));
        line("DTSTAMP:" + stamp);
        line("DTSTART;VALUE=DATE:" + ics_date(*date));
        line("DTEND;VALUE=DATE:" + ics_date(add_days(*date, 1)));
        line("SUMMARY:" + ics_escape(summary));
        line("DESCRIPTION:" + ics_escape(description));
        if (!url.empty()) line("URL:" + url);
        line("CATEGORIES:credwatch");
        line("TRANSP:TRANSPARENT");
        line("BEGIN:VALARM");
        line("ACTION:DISPLAY");
        line("DESCRIPTION:" + ics_escape(summary));
        // 9:00 local time, `alarm` days before the all-day event starts.
        line(fmt::format("TRIGGER:-P{}DT15H", alarm - 1));
        line("END:VALARM");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    return out;
}

std::string export_deadlines_csv(const std::vector<StatusRow>& rows, Lang lang) {
    const bool ja = lang == Lang::ja;
    std::string out(kBom);
    out += csv_line(ja ? std::vector<std::string>{"ID", "システム", "種類", "名称", "所有者",
                                                  "状態", "期限日", "残り日数", "発行済", "上限"}
                       : std::vector<std::string>{"id", "system", "kind", "label", "owner", "state",
                                                  "deadline_date", "days_left", "issued", "limit"});
    for (const StatusRow& r : rows) {
        out += csv_line(
            {csv_field(r.id), csv_field(system_of(r, ja)), csv_field(kind_of(r, ja)),
             csv_field(r.label), csv_field(owner_of(r.owner, ja)),
             csv_field(state_text(r.state, lang)),
             csv_field(r.deadline_date ? format_date(*r.deadline_date) : std::string(), false),
             csv_field(num_text(r.days_left), false), csv_field(num_text(r.issued), false),
             csv_field(num_text(r.limit), false)});
    }
    return out;
}

std::string export_inventory_csv(const std::vector<InventoryEntry>& certificates, Lang lang) {
    const bool ja = lang == Lang::ja;
    std::string out(kBom);
    out += csv_line(
        ja ? std::vector<std::string>{"パス", "所有者", "サブジェクト", "発行者", "シリアル番号",
                                      "有効期間の開始", "有効期限", "SHA-256", "追跡中の項目"}
           : std::vector<std::string>{"path", "owner", "subject", "issuer", "serial", "not_before",
                                      "not_after", "sha256", "tracked_as"});
    for (const InventoryEntry& e : certificates) {
        const FoundCertificate& c = e.certificate;
        out += csv_line({csv_field(c.location), csv_field(owner_of(c.owner, ja)),
                         csv_field(c.info.subject), csv_field(c.info.issuer),
                         csv_field(c.info.serial, false),
                         csv_field(local_time_text(c.info.not_before), false),
                         csv_field(local_time_text(c.info.not_after), false),
                         csv_field(c.info.sha256, false), csv_field(e.bound_credential)});
    }
    return out;
}

}  // namespace credwatch
