#pragma once
// View models of the tray companion: what the icon, its menu, the status window and the
// notifications show, computed from the service's JSON replies. No GUI here: only wxBase for
// gettext (wxGetTranslation), so that every user-visible string comes from the catalog
// credwatch-tray (English msgids, tray/po/ja.po) and the logic is unit-tested without a display.

#include "credwatch/domain/model.hpp"
#include "credwatch/domain/status_row.hpp"
#include "credwatch/notify/text.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace credwatch::tray {

// The icon's colour: the worst deadline over every tracked credential. Something still to
// record (State::unknown) is a to-do, counted in the menu and the status window, not a warning:
// amber that is always on would teach staff to ignore amber.
enum class TrayColour {
    green,  // every recorded deadline is fine (some may still be to record)
    amber,  // a deadline inside its warning window
    red,    // expired, overdue or quota used up
    grey,   // the service is not reachable, or it has stopped evaluating (no reminders go out)
};
std::string_view to_string(TrayColour colour) noexcept;
struct Rgb {
    unsigned char r, g, b;
};
Rgb rgb(TrayColour colour) noexcept;
// From a state (see State's severity) and from a whole table. State::unknown is green.
TrayColour colour_for(State state) noexcept;

// One tracked credential as the tray shows it (a status row from the service).
struct CredentialView {
    std::string id;
    std::string system;       // system id
    std::string kind;         // kind id
    std::string system_name;  // in the UI language, falls back to the id
    std::string kind_name;
    std::string label;
    std::string owner;
    Rule rule = Rule::password_rotation;
    State state = State::unknown;
    std::optional<Date> deadline_date;
    bool estimated = false;  // the deadline is estimated from a recorded issuance
    std::optional<int> days_left;
    std::optional<int> issued, limit;  // issuance quota only
    std::string reason;                // English, from the service
    std::vector<std::string> procedures;
    std::optional<std::int64_t> active_reminder;  // id of an open reminder for it, if any

    // What the person calls it: label, else the kind's name.
    std::string display_name() const { return label.empty() ? kind_name : label; }
    bool can_record_change() const {
        return rule == Rule::password_rotation || rule == Rule::document_age;
    }
    bool counts_issuances() const { return rule == Rule::issuance_quota; }
};

struct ProcedureView {
    std::string id;
    std::string title;
    std::string url;  // empty when the procedure is not a web page
    std::vector<std::string> steps;
    std::string phone;
    std::string hours;
    std::string manual;
};

struct ReminderView {
    std::int64_t id = 0;
    std::string credential;
    State state = State::unknown;
    std::optional<int> days_left;
    std::string subject;  // from the service, in its language
    std::string body;
};

struct CertificateView {
    std::string location;  // path or store name
    std::string source;    // "file" or "store"
    std::string owner;
    std::string subject, issuer;
    std::optional<Date> not_after;  // local calendar date
    std::string not_after_utc;      // as the service sent it
    std::string sha256;
    std::string tracked_as;  // credential id or empty
};

// A kind a certificate can be bound to (certificate_validity kinds of the catalog).
struct KindView {
    std::string system, kind;
    std::string name;  // "system name / kind name" in the UI language
    Rule rule = Rule::certificate_validity;
    std::string per;  // "machine" or "user"
};

// A catalog system as the administrator's first-run dialog offers it.
struct SystemView {
    std::string id;
    std::string name;         // in the UI language
    std::string description;  // one paragraph from the catalog, in the UI language
};

// Everything the tray knows at one moment.
struct Snapshot {
    bool connected = false;
    std::string error;  // why not connected
    // Connected, but no evaluation pass completed for twice the service's interval: the service
    // answers yet sends no reminders (a store that keeps failing, a pass that hangs).
    bool evaluation_stale = false;
    std::string last_evaluation_utc;  // as the service sent it; empty before the first pass
    // Reminders are going out: connected and evaluating.
    bool working() const { return connected && !evaluation_stale; }
    int severity = -1;  // worst severity from the service, -1 when nothing is tracked
    std::vector<CredentialView> credentials;
    std::vector<ReminderView> reminders;  // active ones
    std::vector<ProcedureView> procedures;
    std::vector<KindView> kinds;
    std::vector<SystemView> systems;
    // The site's [service] systems; nothing when the site has not chosen (every system).
    std::optional<std::vector<std::string>> site_systems;
    // The database was damaged (recovered at start, or the daily check failed): shown on top of
    // the menu and the status window; empty when it is healthy.
    std::string store_banner;
};

// --- parsing the service's replies (language picks *_ja or *_en fields) ---
// The field `base`_ja or `base`_en in `lang`, the other language's when that one is empty.
std::string localized(const boost::json::object& o, std::string_view base, Lang lang);
CredentialView credential_view(const StatusRow& row, Lang lang);
// The JSON row of a reply or an event, read with status_row_from_json.
CredentialView credential_from_json(const boost::json::object& row, Lang lang);
// The result of "status" (credentials + reminders + severity).
// The "evaluation" heartbeat is judged against the service's own "now" of the same reply.
void apply_status(Snapshot& snapshot, const boost::json::object& status, Lang lang);
// No completed pass within twice the interval (a pass may take a while; one missed tick is not
// an outage). Pure, for the tests.
bool evaluation_is_stale(TimePoint service_now, std::optional<TimePoint> last_evaluation,
                         int every_minutes) noexcept;
// The line the tray shows while reminders are not going out.
std::string service_down_text();
// The result of "catalog" (procedures, kinds).
void apply_catalog(Snapshot& snapshot, const boost::json::object& catalog, Lang lang);
ReminderView reminder_from_json(const boost::json::object& data);
std::vector<CertificateView> certificates_from_json(const boost::json::object& inventory);

TrayColour colour_for(const Snapshot& snapshot) noexcept;
// The banner for the "store" object of the status reply; empty when the database is healthy.
std::string store_banner(const boost::json::object& store);

// --- text (translated through gettext; English when no catalog is loaded) ---
std::string state_label(State state);
// "12 days left", "due today", "expired 3 days ago", "—" when there is no deadline.
std::string days_left_label(const CredentialView& row);
// "2026年12月1日" / "1 Dec 2026": date_text (base) in the language of the loaded catalog, as
// the service writes dates in the mail and the notifications.
std::string date_label(Date date);
std::string date_label(const std::optional<Date>& date);  // "—" when empty
// The credentials still to record (State::unknown): the tray's to-do.
int to_record_count(const Snapshot& snapshot) noexcept;
// "記録待ち 6件" / "6 to record"; empty when there is nothing to record.
std::string to_record_label(const Snapshot& snapshot);
// "5/6" for quotas, "" otherwise.
std::string issuances_label(const CredentialView& row);
// The credential whose deadline is nearest (overdue first); nullptr when none has one.
const CredentialView* nearest_deadline(const std::vector<CredentialView>& rows);
// Tooltip: "credwatch" + the nearest deadline ("User password: 12 days left"), or why the
// service cannot be reached.
std::string tooltip(const Snapshot& snapshot);
// A notification for a reminder: title and message.
struct NotificationText {
    std::string title, message;
};
NotificationText notification_text(const ReminderView& reminder, const CredentialView* row);

// --- the service certificate candidates (the "candidates" reply) ---
// One certificate offered for a kind whose catalog cannot say what its certificate looks like.
struct CandidateView {
    std::string system, kind;
    std::string kind_name;  // in the UI language
    std::string subject, issuer, sha256;
    std::optional<Date> not_before, not_after;  // local calendar dates
};
// Every candidate of every kind still without a learnt match, in the reply's order.
std::vector<CandidateView> candidates_from_json(const boost::json::object& reply, Lang lang);
// The question of the prompt: "Is this the Service certificate?" (the kind's name).
std::string candidate_question(const CandidateView& candidate);
// "Valid from 2026年1月1日 to 2026年12月11日".
std::string candidate_validity(const CandidateView& candidate);

// --- the issuance ledger window (the "issuances" reply) ---
struct IssuanceRowView {
    std::string when;         // local date of the row
    std::string how;          // recorded / seen / stated, translated
    std::string subject;      // the certificate's subject, or "—"
    std::string who;          // the OS user, or "—" when the service hides it
    int total = 0;            // the count after this row
    std::optional<int> left;  // the quota left after it (when the credential's limit is known)
};
// "recorded" -> "Recorded" (記録), "seen" -> "Seen" (検出), "stated" -> "Stated" (申告).
std::string issuance_how_label(std::string_view how);
// The rows oldest first; total and left as the count goes: a recorded or seen row is one more,
// a stated row raises the count to its total.
std::vector<IssuanceRowView> issuance_rows_from_json(const boost::json::object& reply,
                                                     const Snapshot& snapshot);

// --- the status table ---
enum class Column { system, credential, owner, expires, days_left, state, issuances };
inline constexpr int kColumnCount = 7;
std::string column_title(Column column);
std::string cell_text(const CredentialView& row, Column column);
// Stable sort; rows without a deadline sort after those with one in both directions of
// days_left / expires; state sorts by severity (worst first when descending).
void sort_rows(std::vector<CredentialView>& rows, Column column, bool ascending);

// --- the tray menu ---
enum class MenuAction {
    none,
    open_status,
    show_credential,  // argument: credential id
    record_change,    // argument: credential id
    record_issuance,  // argument: credential id
    open_procedure,   // argument: procedure id
    settings,
    issuance_ledger,  // the issuance ledger window
    start_service,    // the service is down or silent: start it (asks for elevation)
    open_checks,      // the 接続チェック window (checks_frame.cpp)
    quit,
};
struct MenuItem {
    MenuAction action = MenuAction::none;
    std::string argument;
    std::string label;
    bool enabled = true;
    bool separator = false;
    std::vector<MenuItem> children;  // a submenu when not empty
};
std::vector<MenuItem> build_menu(const Snapshot& snapshot);
// Indented text of a menu, one item per line (for --dump-menu and the tests).
std::string dump_menu(const std::vector<MenuItem>& items);

// Procedures of the tracked credentials, nearest deadline first, without repeats; all of the
// catalog's procedures when nothing is tracked.
std::vector<const ProcedureView*> relevant_procedures(const Snapshot& snapshot);
const ProcedureView* find_procedure(const Snapshot& snapshot, std::string_view id);
const CredentialView* find_credential(const Snapshot& snapshot, std::string_view id);
// The text of a procedure's dialog: steps, call centre and hours, manual.
std::string procedure_text(const ProcedureView& procedure);

// Whether the tray may hand `url` to the desktop's browser: an http: or https: address with a
// host, nothing else. The URL comes from the service (the catalog); a file:, javascript:, UNC
// (\\server\share) or any other target would make "Open web page" run or open something local.
bool is_web_url(std::string_view url);

}  // namespace credwatch::tray
