#include "checks_view.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/date_text.hpp"
#include "credwatch/ipc/json_codec.hpp"

#include <wx/intl.h>
#include <wx/string.h>
#include <wx/translation.h>

#include <algorithm>

namespace credwatch::tray {

namespace json = boost::json;

namespace {

std::string u8(const wxString& s) {
    return std::string(s.utf8_str());
}

}  // namespace

ChecksView checks_from_json(const json::object& reply, Lang lang) {
    ChecksView view;
    view.connected = true;
    if (const auto* list = reply.if_contains("checks"); list && list->is_array())
        for (const auto& v : list->as_array()) {
            if (!v.is_object()) continue;
            const json::object& o = v.as_object();
            CheckView c;
            c.system = string_field(o, "system");
            c.id = string_field(o, "id");
            c.kind = string_field(o, "kind");
            c.severity = string_field(o, "severity");
            c.state =
                parse_check_state(string_field(o, "state")).value_or(CheckState::cannot_check);
            c.title = localized(o, "title", lang);
            if (c.title.empty()) c.title = c.path();
            c.user = string_field(o, "user");
            // TRANSLATORS: after a check's title: whose session reported it. Japanese:
            // （%s のセッション）
            if (!c.user.empty()) c.title += u8(wxString::Format(_(" (session of %s)"), c.user));
            c.evidence = localized(o, "evidence", lang);
            c.fix = localized(o, "fix", lang);
            c.manual = string_field(o, "manual");
            c.checked_at_utc = string_field(o, "checked_at");
            c.failing_since_utc = string_field(o, "failing_since");
            view.checks.push_back(std::move(c));
        }
    view.last_run_utc = string_field(reply, "last_run");
    view.next_run_utc = string_field(reply, "next_run");
    if (const auto* r = reply.if_contains("running"); r && r->is_bool())
        view.running = r->as_bool();
    if (const auto* t = reply.if_contains("throttled"); t && t->is_bool())
        view.throttled = t->as_bool();
    return view;
}

std::vector<SymptomView> symptoms_from_json(const json::object& reply, Lang lang) {
    std::vector<SymptomView> out;
    if (const auto* list = reply.if_contains("symptoms"); list && list->is_array())
        for (const auto& v : list->as_array()) {
            if (!v.is_object()) continue;
            const json::object& o = v.as_object();
            SymptomView s;
            s.system = string_field(o, "system");
            s.message = localized(o, "message", lang);
            s.what_to_do = localized(o, "what_to_do", lang);
            s.manual = string_field(o, "manual");
            if (const auto* checks = o.if_contains("checks"); checks && checks->is_array())
                for (const auto& c : checks->as_array())
                    if (c.is_string()) s.checks.emplace_back(c.as_string());
            out.push_back(std::move(s));
        }
    return out;
}

std::string check_state_label(CheckState state) {
    switch (state) {
        case CheckState::ok:
            // TRANSLATORS: the state of a connection check. Japanese: 正常
            return u8(_("OK"));
        case CheckState::warning:
            // TRANSLATORS: Japanese: 注意
            return u8(_("Warning"));
        case CheckState::failed:
            // TRANSLATORS: Japanese: 失敗
            return u8(_("Failed"));
        case CheckState::not_applicable:
            // TRANSLATORS: Japanese: 対象外
            return u8(_("Not applicable"));
        case CheckState::cannot_check:
            // TRANSLATORS: Japanese: 確認不可
            return u8(_("Cannot check"));
    }
    return {};
}

TrayColour check_state_colour(CheckState state) noexcept {
    switch (state) {
        case CheckState::ok:
            return TrayColour::green;
        case CheckState::warning:
            return TrayColour::amber;
        case CheckState::failed:
            return TrayColour::red;
        default:
            return TrayColour::grey;
    }
}

std::string local_time_label(const std::string& utc) {
    if (utc.empty()) return "—";
    auto t = parse_utc(utc);
    if (!t) return "—";
    // "2026-12-02T10:00:00+09:00": the local hour and minute.
    const std::string local = format_local(*t);
    return date_label(local_date(*t)) + " " + local.substr(11, 5);
}

std::string last_run_label(const ChecksView& view) {
    std::string text =
        view.last_run_utc.empty()
            ? u8(_("Not checked yet"))
            : u8(wxString::Format(_("Last checked: %s"),
                                  wxString::FromUTF8(local_time_label(view.last_run_utc))));
    if (view.running) text += u8(_(" (checking now)"));
    return text;
}

std::string checks_banner(const ChecksView& view) {
    if (!view.connected) {
        std::string text =
            u8(_("The credwatch service is not reachable: the check results "
                 "cannot be shown."));
        return text;
    }
    if (view.throttled)
        return u8(_("Checked less than 30 seconds ago: these are the latest results."));
    return {};
}

const CheckView* find_check(const ChecksView& view, std::string_view path) {
    const auto it = std::find_if(view.checks.begin(), view.checks.end(),
                                 [&](const CheckView& c) { return c.path() == path; });
    return it == view.checks.end() ? nullptr : &*it;
}

std::string related_checks_label(const SymptomView& symptom, const ChecksView& view) {
    std::string out;
    for (const auto& path : symptom.checks) {
        const CheckView* c = find_check(view, path);
        const std::string id = path.substr(path.find('/') + 1);
        out += (out.empty() ? "" : ", ") + id + ": " +
               (c && view.connected ? check_state_label(c->state) : std::string("—"));
    }
    return out;
}

}  // namespace credwatch::tray
