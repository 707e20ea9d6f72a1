#include "tray_model.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/date_text.hpp"
#include "credwatch/ipc/json_codec.hpp"

#include <wx/intl.h>
#include <wx/string.h>
#include <wx/translation.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <map>

namespace json = boost::json;

namespace credwatch::tray {

namespace {

std::string u8(const wxString& s) {
    return std::string(s.utf8_str());
}

std::string str(const json::object& o, std::string_view key) {
    return string_field(o, key);
}

std::optional<int> opt_int(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    return static_cast<int>(v->to_number<std::int64_t>());
}

MenuItem separator() {
    MenuItem m;
    m.separator = true;
    return m;
}

// Overdue first (most overdue first), then the nearest deadline; no deadline last.
long deadline_key(const CredentialView& r) {
    if (r.days_left) return *r.days_left;
    return LONG_MAX;
}

}  // namespace

std::string localized(const json::object& o, std::string_view base, Lang lang) {
    std::string key(base);
    std::string v = str(o, key + (lang == Lang::ja ? "_ja" : "_en"));
    if (v.empty()) v = str(o, key + (lang == Lang::ja ? "_en" : "_ja"));
    return v;
}

std::string_view to_string(TrayColour colour) noexcept {
    switch (colour) {
        case TrayColour::green:
            return "green";
        case TrayColour::amber:
            return "amber";
        case TrayColour::red:
            return "red";
        case TrayColour::grey:
            return "grey";
    }
    return "grey";
}

Rgb rgb(TrayColour colour) noexcept {
    switch (colour) {
        case TrayColour::green:
            return {0x2e, 0x9d, 0x44};
        case TrayColour::amber:
            return {0xf0, 0xa0, 0x10};
        case TrayColour::red:
            return {0xd3, 0x2f, 0x2f};
        case TrayColour::grey:
            return {0x8a, 0x8a, 0x8a};
    }
    return {0x8a, 0x8a, 0x8a};
}

TrayColour colour_for(State state) noexcept {
    switch (state) {
        case State::ok:
        case State::unknown:  // a to-do, not a deadline (to_record_count)
            return TrayColour::green;
        case State::due_soon:
            return TrayColour::amber;
        case State::overdue:
        case State::quota_exhausted:
            return TrayColour::red;
    }
    return TrayColour::grey;
}

TrayColour colour_for(const Snapshot& snapshot) noexcept {
    if (!snapshot.working()) return TrayColour::grey;
    TrayColour worst = TrayColour::green;
    int worst_severity = -1;
    for (const auto& c : snapshot.credentials) {
        if (severity(c.state) > worst_severity) {
            worst_severity = severity(c.state);
            worst = colour_for(c.state);
        }
    }
    // The service's own figure counts too (a row may be filtered out of the table).
    if (snapshot.severity >= severity(State::overdue)) return TrayColour::red;
    if (snapshot.severity >= severity(State::due_soon) && worst == TrayColour::green)
        return TrayColour::amber;
    return worst;
}

CredentialView credential_view(const StatusRow& row, Lang lang) {
    const bool ja = lang == Lang::ja;
    CredentialView c;
    c.id = row.id;
    c.system = row.system;
    c.kind = row.kind;
    c.system_name = ja ? row.system_name_ja : row.system_name_en;
    if (c.system_name.empty()) c.system_name = ja ? row.system_name_en : row.system_name_ja;
    if (c.system_name.empty()) c.system_name = c.system;
    c.kind_name = ja ? row.kind_name_ja : row.kind_name_en;
    if (c.kind_name.empty()) c.kind_name = ja ? row.kind_name_en : row.kind_name_ja;
    if (c.kind_name.empty()) c.kind_name = c.kind.empty() ? c.id : c.kind;
    c.label = row.label;
    c.owner = row.owner;
    c.rule = row.rule.value_or(Rule::password_rotation);
    c.state = row.state;
    c.deadline_date = row.deadline_date;
    c.estimated = row.estimated;
    c.days_left = row.days_left;
    c.issued = row.issued;
    c.limit = row.limit;
    c.reason = row.reason;
    c.procedures = row.procedures;
    return c;
}

CredentialView credential_from_json(const json::object& row, Lang lang) {
    auto typed = status_row_from_json(json::value(row));
    if (!typed) {
        // A row this tray cannot read is still listed, by its id, rather than dropped.
        StatusRow fallback;
        fallback.id = str(row, "id");
        return credential_view(fallback, lang);
    }
    return credential_view(*typed, lang);
}

ReminderView reminder_from_json(const json::object& data) {
    ReminderView r;
    if (const auto* id = data.if_contains("id"); id && id->is_number())
        r.id = id->to_number<std::int64_t>();
    r.credential = str(data, "credential");
    r.state = state_from_string(str(data, "state")).value_or(State::unknown);
    r.days_left = opt_int(data, "days_left");
    r.subject = str(data, "subject");
    r.body = str(data, "body");
    return r;
}

void apply_status(Snapshot& snapshot, const json::object& status, Lang lang) {
    snapshot.connected = true;
    snapshot.error.clear();
    snapshot.severity = opt_int(status, "severity").value_or(-1);
    snapshot.evaluation_stale = false;
    snapshot.last_evaluation_utc.clear();
    if (const auto* ev = status.if_contains("evaluation"); ev && ev->is_object()) {
        const auto& e = ev->as_object();
        snapshot.last_evaluation_utc = str(e, "last");
        auto now = parse_utc(str(status, "now"));
        std::optional<TimePoint> last;
        if (auto parsed = parse_utc(snapshot.last_evaluation_utc)) last = *parsed;
        if (now)
            snapshot.evaluation_stale =
                evaluation_is_stale(*now, last, opt_int(e, "every_minutes").value_or(1));
    }
    snapshot.credentials.clear();
    snapshot.reminders.clear();
    snapshot.store_banner.clear();
    if (const auto* store = status.if_contains("store"); store && store->is_object())
        snapshot.store_banner = store_banner(store->as_object());
    if (const auto* rows = status.if_contains("credentials"); rows && rows->is_array())
        for (const auto& r : rows->as_array())
            if (r.is_object())
                snapshot.credentials.push_back(credential_from_json(r.as_object(), lang));
    if (const auto* rems = status.if_contains("reminders"); rems && rems->is_array())
        for (const auto& r : rems->as_array())
            if (r.is_object()) snapshot.reminders.push_back(reminder_from_json(r.as_object()));
    for (auto& c : snapshot.credentials)
        for (const auto& r : snapshot.reminders)
            if (r.credential == c.id && (!c.active_reminder || r.id > *c.active_reminder))
                c.active_reminder = r.id;
}

std::string store_banner(const json::object& store) {
    const auto* recovered = store.if_contains("recovered_from");
    if (recovered && recovered->is_object()) {
        const auto& r = recovered->as_object();
        if (const auto* empty = store.if_contains("started_empty");
            empty && empty->is_bool() && empty->as_bool())
            return u8(
                _("The database was damaged: credwatch started on an EMPTY ledger. Record "
                  "your credentials again."));
        std::string since = str(r, "taken_at");
        if (auto t = parse_utc(since)) since = date_label(local_date(*t));
        return u8(wxString::Format(
            _("The database was damaged and restored from the backup of %s: changes recorded "
              "after it may be missing (see credwatch status)."),
            wxString::FromUTF8(since)));
    }
    if (str(store, "integrity") == "failed")
        return u8(_("The database failed its integrity check: tell your administrator."));
    return {};
}

void apply_catalog(Snapshot& snapshot, const json::object& catalog, Lang lang) {
    snapshot.procedures.clear();
    snapshot.kinds.clear();
    snapshot.systems.clear();
    snapshot.site_systems.reset();
    if (const auto* site = catalog.if_contains("site_systems"); site && site->is_array())
        snapshot.site_systems = string_array_field(catalog, "site_systems");
    if (const auto* procs = catalog.if_contains("procedures"); procs && procs->is_array()) {
        for (const auto& v : procs->as_array()) {
            if (!v.is_object()) continue;
            const auto& o = v.as_object();
            ProcedureView p;
            p.id = str(o, "id");
            p.title = localized(o, "title", lang);
            if (p.title.empty()) p.title = p.id;
            p.url = str(o, "url");
            p.steps = string_array_field(o, lang == Lang::ja ? "steps_ja" : "steps_en");
            if (p.steps.empty())
                p.steps = string_array_field(o, lang == Lang::ja ? "steps_en" : "steps_ja");
            p.phone = str(o, "phone");
            p.hours = localized(o, "hours", lang);
            p.manual = str(o, "manual");
            snapshot.procedures.push_back(std::move(p));
        }
    }
    if (const auto* systems = catalog.if_contains("systems"); systems && systems->is_array()) {
        for (const auto& sv : systems->as_array()) {
            if (!sv.is_object()) continue;
            const auto& s = sv.as_object();
            const std::string system_name = localized(s, "name", lang);
            snapshot.systems.push_back({str(s, "id"),
                                        system_name.empty() ? str(s, "id") : system_name,
                                        localized(s, "description", lang)});
            if (const auto* kinds = s.if_contains("kinds"); kinds && kinds->is_array()) {
                for (const auto& kv : kinds->as_array()) {
                    if (!kv.is_object()) continue;
                    const auto& k = kv.as_object();
                    KindView kind;
                    kind.system = str(s, "id");
                    kind.kind = str(k, "id");
                    kind.name = system_name + " / " + localized(k, "name", lang);
                    kind.rule = rule_from_string(str(k, "rule")).value_or(Rule::password_rotation);
                    kind.per = str(k, "per");
                    snapshot.kinds.push_back(std::move(kind));
                }
            }
        }
    }
}

std::vector<CertificateView> certificates_from_json(const json::object& inventory) {
    std::vector<CertificateView> out;
    const auto* certs = inventory.if_contains("certificates");
    if (!certs || !certs->is_array()) return out;
    for (const auto& v : certs->as_array()) {
        if (!v.is_object()) continue;
        const auto& o = v.as_object();
        CertificateView c;
        c.location = str(o, "path");
        c.source = str(o, "source");
        c.owner = str(o, "owner");
        c.subject = str(o, "subject");
        c.issuer = str(o, "issuer");
        c.not_after_utc = str(o, "not_after");
        if (auto t = parse_utc(c.not_after_utc)) c.not_after = local_date(*t);
        c.sha256 = str(o, "sha256");
        c.tracked_as = str(o, "tracked_as");
        out.push_back(std::move(c));
    }
    return out;
}

std::string state_label(State state) {
    switch (state) {
        case State::unknown:
            return u8(_("To record"));
        case State::ok:
            return u8(_("OK"));
        case State::due_soon:
            return u8(_("Due soon"));
        case State::overdue:
            return u8(_("Expired"));
        case State::quota_exhausted:
            return u8(_("Quota used up"));
    }
    return "?";
}

std::string days_left_label(const CredentialView& row) {
    if (!row.days_left) {
        if (row.counts_issuances() && row.issued && row.limit) {
            const int left = std::max(0, *row.limit - *row.issued);
            return u8(
                wxString::Format(wxPLURAL("%d issuance left", "%d issuances left", left), left));
        }
        return u8(_("no deadline yet"));
    }
    const int days = *row.days_left;
    if (days < 0 || (days == 0 && row.state == State::overdue)) {
        const int ago = -days;
        if (ago == 0) return u8(_("expired today"));
        return u8(
            wxString::Format(wxPLURAL("expired %d day ago", "expired %d days ago", ago), ago));
    }
    if (days == 0) return u8(_("due today"));
    return u8(wxString::Format(wxPLURAL("%d day left", "%d days left", days), days));
}

std::string date_label(Date date) {
    // Japanese exactly when the Japanese catalog is loaded (TrayApp::setup_translations).
    const wxTranslations* t = wxTranslations::Get();
    const bool ja = t && t->IsLoaded("credwatch-tray");
    return date_text(date, ja ? Lang::ja : Lang::en);
}

int to_record_count(const Snapshot& snapshot) noexcept {
    return static_cast<int>(
        std::count_if(snapshot.credentials.begin(), snapshot.credentials.end(),
                      [](const CredentialView& c) { return c.state == State::unknown; }));
}

std::string to_record_label(const Snapshot& snapshot) {
    const int n = to_record_count(snapshot);
    if (n == 0) return {};
    // TRANSLATORS: credentials whose date or certificate is not recorded yet. Japanese:
    // 記録待ち %d件
    return u8(wxString::Format(wxPLURAL("%d to record", "%d to record", n), n));
}

std::string date_label(const std::optional<Date>& date) {
    return date ? date_label(*date) : std::string("—");
}

std::string issuances_label(const CredentialView& row) {
    if (!row.counts_issuances() || !row.issued || !row.limit) return {};
    return std::to_string(*row.issued) + "/" + std::to_string(*row.limit);
}

const CredentialView* nearest_deadline(const std::vector<CredentialView>& rows) {
    const CredentialView* best = nullptr;
    for (const auto& r : rows) {
        if (!r.days_left) continue;
        if (!best || *r.days_left < *best->days_left) best = &r;
    }
    return best;
}

bool evaluation_is_stale(TimePoint service_now, std::optional<TimePoint> last_evaluation,
                         int every_minutes) noexcept {
    if (!last_evaluation) return true;  // listening only starts after the first pass
    return service_now - *last_evaluation > 2 * std::chrono::minutes(std::max(1, every_minutes));
}

std::string service_down_text() {
    return u8(_("The credwatch service is not running: reminders are not being sent."));
}

std::string tooltip(const Snapshot& snapshot) {
    if (!snapshot.working()) return "credwatch\n" + service_down_text();
    std::string text = "credwatch";
    if (snapshot.credentials.empty()) return text + "\n" + u8(_("Nothing is tracked yet."));
    if (const CredentialView* r = nearest_deadline(snapshot.credentials)) {
        const int days = *r->days_left;
        wxString line;
        if (days < 0)
            line =
                wxString::Format(wxPLURAL("%s expired %d day ago", "%s expired %d days ago", -days),
                                 wxString::FromUTF8(r->display_name()), -days);
        else if (days == 0)
            line = wxString::Format(_("%s is due today"), wxString::FromUTF8(r->display_name()));
        else
            line = wxString::Format(
                wxPLURAL("%s: deadline in %d day", "%s: deadline in %d days", days),
                wxString::FromUTF8(r->display_name()), days);
        text += "\n" + u8(line);
    }
    for (const auto& r : snapshot.credentials) {
        if (r.state == State::quota_exhausted)
            text += "\n" + u8(wxString::Format(_("%s: no issuance left"),
                                               wxString::FromUTF8(r.display_name())));
    }
    return text;
}

NotificationText notification_text(const ReminderView& reminder, const CredentialView* row) {
    NotificationText n;
    if (!row) {
        n.title = reminder.subject.empty() ? "credwatch" : reminder.subject;
        n.message = reminder.body;
        return n;
    }
    n.title = u8(wxString::Format(_("%s: %s"), wxString::FromUTF8(row->display_name()),
                                  wxString::FromUTF8(state_label(row->state))));
    std::string msg = row->system_name + "\n" + days_left_label(*row);
    if (row->deadline_date)
        msg += " (" +
               u8(wxString::Format(_("deadline %s"),
                                   wxString::FromUTF8(date_label(*row->deadline_date)))) +
               ")";
    if (row->counts_issuances()) msg += "\n" + u8(_("Issued:")) + " " + issuances_label(*row);
    msg += "\n" + u8(_("Open the procedure to see what to do."));
    n.message = msg;
    return n;
}

std::string column_title(Column column) {
    switch (column) {
        case Column::system:
            return u8(_("System"));
        case Column::credential:
            return u8(_("Credential"));
        case Column::owner:
            return u8(_("Owner"));
        case Column::expires:
            return u8(_("Expires"));
        case Column::days_left:
            return u8(_("Days left"));
        case Column::state:
            return u8(_("State"));
        case Column::issuances:
            return u8(_("Issuances"));
    }
    return {};
}

std::string cell_text(const CredentialView& row, Column column) {
    switch (column) {
        case Column::system:
            return row.system_name;
        case Column::credential:
            return row.display_name();
        case Column::owner:
            return row.owner == "machine" ? u8(_("this PC")) : row.owner;
        case Column::expires:
            if (row.estimated && row.deadline_date)
                return date_label(row.deadline_date) + u8(_(" (estimated)"));
            return date_label(row.deadline_date);
        case Column::days_left:
            return days_left_label(row);
        case Column::state:
            return state_label(row.state);
        case Column::issuances:
            return issuances_label(row);
    }
    return {};
}

void sort_rows(std::vector<CredentialView>& rows, Column column, bool ascending) {
    auto cmp = [&](const CredentialView& a, const CredentialView& b) -> int {
        auto three = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
        switch (column) {
            case Column::system:
                return three(a.system_name, b.system_name);
            case Column::credential:
                return three(a.display_name(), b.display_name());
            case Column::owner:
                return three(a.owner, b.owner);
            case Column::expires:
            case Column::days_left:
                return three(deadline_key(a), deadline_key(b));
            case Column::state:
                return three(severity(a.state), severity(b.state));
            case Column::issuances: {
                const int ia = a.issued.value_or(-1), ib = b.issued.value_or(-1);
                return three(ia, ib);
            }
        }
        return 0;
    };
    const bool deadline_column = column == Column::expires || column == Column::days_left;
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const CredentialView& a, const CredentialView& b) {
                         if (deadline_column && a.days_left.has_value() != b.days_left.has_value())
                             return a.days_left.has_value();  // no deadline: always last
                         const int c = cmp(a, b);
                         if (c != 0) return ascending ? c < 0 : c > 0;
                         return a.id < b.id;  // a stable tie-break whatever the direction
                     });
}

const ProcedureView* find_procedure(const Snapshot& snapshot, std::string_view id) {
    for (const auto& p : snapshot.procedures)
        if (p.id == id) return &p;
    return nullptr;
}

const CredentialView* find_credential(const Snapshot& snapshot, std::string_view id) {
    for (const auto& c : snapshot.credentials)
        if (c.id == id) return &c;
    return nullptr;
}

std::vector<const ProcedureView*> relevant_procedures(const Snapshot& snapshot) {
    std::vector<const ProcedureView*> out;
    std::vector<CredentialView> rows = snapshot.credentials;
    sort_rows(rows, Column::days_left, true);  // the most urgent credential's procedures first
    for (const auto& c : rows)
        for (const auto& id : c.procedures)
            if (const auto* p = find_procedure(snapshot, id);
                p && std::find(out.begin(), out.end(), p) == out.end())
                out.push_back(p);
    if (out.empty())
        for (const auto& p : snapshot.procedures) out.push_back(&p);
    return out;
}

std::string procedure_text(const ProcedureView& p) {
    std::string text;
    int n = 1;
    for (const auto& s : p.steps) text += std::to_string(n++) + ". " + s + "\n";
    if (!p.url.empty()) text += "\n" + u8(_("Web page:")) + " " + p.url + "\n";
    if (!p.phone.empty()) {
        text += "\n" + u8(_("Call centre:")) + " " + p.phone;
        if (!p.hours.empty()) text += " (" + p.hours + ")";
        text += "\n";
    }
    if (!p.manual.empty()) text += "\n" + u8(_("Manual:")) + " " + p.manual + "\n";
    return text;
}

std::vector<MenuItem> build_menu(const Snapshot& snapshot) {
    std::vector<MenuItem> menu;
    if (!snapshot.store_banner.empty()) {
        menu.push_back(
            {MenuAction::open_status, {}, "⚠ " + snapshot.store_banner, true, false, {}});
        menu.push_back(separator());
    }
    menu.push_back({MenuAction::open_status, {}, u8(_("Open status window")), true, false, {}});
    // TRANSLATORS: the menu entry and window of the connection checks. Japanese: 接続チェック
    menu.push_back({MenuAction::open_checks, {}, u8(_("Connection checks")), true, false, {}});
    menu.push_back(separator());
    if (!snapshot.working()) {
        menu.push_back({MenuAction::none, {}, service_down_text(), false, false, {}});
        menu.push_back(
            {MenuAction::start_service, {}, u8(_("Start the credwatch service")), true, false, {}});
    }
    if (!snapshot.connected) {
        // Nothing to list: the rows would be the last known ones.
    } else if (snapshot.credentials.empty()) {
        menu.push_back({MenuAction::none, {}, u8(_("Nothing is tracked yet")), false, false, {}});
    } else {
        std::vector<CredentialView> rows = snapshot.credentials;
        sort_rows(rows, Column::days_left, true);
        for (const auto& r : rows) {
            std::string text = r.counts_issuances() && !r.days_left
                                   ? issuances_label(r) + " (" + days_left_label(r) + ")"
                                   : days_left_label(r);
            menu.push_back({MenuAction::show_credential,
                            r.id,
                            u8(wxString::Format(_("%s: %s"), wxString::FromUTF8(r.display_name()),
                                                wxString::FromUTF8(text))),
                            true,
                            false,
                            {}});
        }
        if (std::string todo = to_record_label(snapshot); !todo.empty())
            menu.push_back({MenuAction::open_status, {}, std::move(todo), true, false, {}});
    }
    menu.push_back(separator());

    auto submenu = [&](MenuAction action, const wxString& title, auto pick, auto label) {
        MenuItem parent{MenuAction::none, {}, u8(title), snapshot.connected, false, {}};
        for (const auto& r : snapshot.credentials)
            if (pick(r)) parent.children.push_back({action, r.id, label(r), true, false, {}});
        if (!parent.children.empty()) menu.push_back(std::move(parent));
    };
    auto name = [](const CredentialView& r) {
        return r.display_name() + " (" + r.system_name + ")";
    };
    submenu(
        MenuAction::record_change, _("I changed a password"),
        [](const CredentialView& r) { return r.rule == Rule::password_rotation; }, name);
    submenu(
        MenuAction::record_change, _("I downloaded a new form"),
        [](const CredentialView& r) { return r.rule == Rule::document_age; }, name);
    submenu(
        MenuAction::record_issuance, _("I issued a certificate"),
        [](const CredentialView& r) { return r.counts_issuances(); },
        [](const CredentialView& r) { return r.display_name() + " (" + issuances_label(r) + ")"; });

    MenuItem procs{MenuAction::none, {}, u8(_("Open a procedure")), true, false, {}};
    for (const ProcedureView* p : relevant_procedures(snapshot))
        procs.children.push_back({MenuAction::open_procedure, p->id, p->title, true, false, {}});
    if (!procs.children.empty()) menu.push_back(std::move(procs));

    menu.push_back(separator());
    if (std::any_of(snapshot.credentials.begin(), snapshot.credentials.end(),
                    [](const CredentialView& r) { return r.counts_issuances(); }))
        menu.push_back(
            {MenuAction::issuance_ledger, {}, u8(_("Issuance history")), true, false, {}});

    menu.push_back({MenuAction::settings, {}, u8(_("Settings...")), true, false, {}});
    menu.push_back({MenuAction::quit, {}, u8(_("Quit")), true, false, {}});
    return menu;
}

namespace {
void dump(const std::vector<MenuItem>& items, int depth, std::string& out) {
    for (const auto& i : items) {
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
        if (i.separator) {
            out += "----\n";
            continue;
        }
        out += i.label;
        if (!i.enabled) out += " [disabled]";
        if (i.children.empty() && i.action != MenuAction::none) {
            static const char* names[] = {"none",
                                          "open_status",
                                          "show_credential",
                                          "record_change",
                                          "record_issuance",
                                          "open_procedure",
                                          "settings",
                                          "issuance_ledger",
                                          "start_service",
                                          "open_checks",
                                          "quit"};
            out += "  -> ";
            out += names[static_cast<int>(i.action)];
            if (!i.argument.empty()) out += " " + i.argument;
        }
        out += "\n";
        dump(i.children, depth + 1, out);
    }
}
}  // namespace

std::string dump_menu(const std::vector<MenuItem>& items) {
    std::string out;
    dump(items, 0, out);
    return out;
}

bool is_web_url(std::string_view url) {
    auto starts_with_nocase = [&](std::string_view prefix) {
        if (url.size() < prefix.size()) return false;
        for (std::size_t i = 0; i < prefix.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
        return true;
    };
    std::string_view rest;
    if (starts_with_nocase("https://"))
        rest = url.substr(8);
    else if (starts_with_nocase("http://"))
        rest = url.substr(7);
    else
        return false;
    // A host must follow ("http:///etc/passwd" is not a web page).
    if (rest.empty() || rest.front() == '/' || rest.front() == '?' || rest.front() == '#')
        return false;
    // No spaces, quotes, control characters or backslashes: the shell that opens the browser
    // must not read a second argument or a Windows path out of it.
    for (unsigned char c : url)
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\') return false;
    return true;
}

std::vector<CandidateView> candidates_from_json(const json::object& reply, Lang lang) {
    std::vector<CandidateView> out;
    const auto* kinds = reply.if_contains("kinds");
    if (!kinds || !kinds->is_array()) return out;
    const auto day = [](const std::string& utc) -> std::optional<Date> {
        if (auto t = parse_utc(utc)) return local_date(*t);
        return std::nullopt;
    };
    for (const auto& kv : kinds->as_array()) {
        if (!kv.is_object()) continue;
        const auto& k = kv.as_object();
        const auto* list = k.if_contains("candidates");
        if (!list || !list->is_array()) continue;
        for (const auto& cv : list->as_array()) {
            if (!cv.is_object()) continue;
            const auto& c = cv.as_object();
            CandidateView view;
            view.system = str(k, "system");
            view.kind = str(k, "kind");
            view.kind_name = localized(k, "name", lang);
            if (view.kind_name.empty()) view.kind_name = view.kind;
            view.subject = str(c, "subject");
            view.issuer = str(c, "issuer");
            view.sha256 = str(c, "sha256");
            view.not_before = day(str(c, "not_before"));
            view.not_after = day(str(c, "not_after"));
            if (!view.sha256.empty()) out.push_back(std::move(view));
        }
    }
    return out;
}

std::string candidate_question(const CandidateView& candidate) {
    return u8(wxString::Format(_("Is this the %s?"), wxString::FromUTF8(candidate.kind_name)));
}

std::string candidate_validity(const CandidateView& candidate) {
    return u8(wxString::Format(_("Valid from %s to %s"),
                               wxString::FromUTF8(date_label(candidate.not_before)),
                               wxString::FromUTF8(date_label(candidate.not_after))));
}

std::string issuance_how_label(std::string_view how) {
    if (how == "recorded") return u8(_("Recorded"));
    if (how == "seen") return u8(_("Seen"));
    if (how == "stated") return u8(_("Stated"));
    return std::string(how);
}

std::vector<IssuanceRowView> issuance_rows_from_json(const json::object& reply,
                                                     const Snapshot& snapshot) {
    std::vector<IssuanceRowView> out;
    const auto* rows = reply.if_contains("issuances");
    if (!rows || !rows->is_array()) return out;
    std::map<std::string, int> counts;  // per credential: the ledger may hold several quotas
    for (const auto& rv : rows->as_array()) {
        if (!rv.is_object()) continue;
        const auto& r = rv.as_object();
        const std::string credential = str(r, "credential");
        const std::string how = str(r, "how");
        int& count = counts[credential];
        if (how == "stated") {
            if (const auto* t = r.if_contains("total"); t && t->is_int64())
                count = std::max(count, static_cast<int>(t->as_int64()));
        } else {
            ++count;
        }
        IssuanceRowView view;
        if (auto t = parse_utc(str(r, "at"))) view.when = date_label(local_date(*t));
        view.how = issuance_how_label(how);
        view.subject = str(r, "subject").empty() ? "\u2014" : str(r, "subject");
        view.who = str(r, "os_user").empty() ? "\u2014" : str(r, "os_user");
        view.total = count;
        if (const CredentialView* c = find_credential(snapshot, credential); c && c->limit)
            view.left = std::max(0, *c->limit - count);
        out.push_back(std::move(view));
    }
    return out;
}

}  // namespace credwatch::tray
