#pragma once
// The IPC requests (docs/ipc-protocol.md): ONE table, method -> { privilege, handler }. The
// dispatcher checks the privilege before it calls the handler. A new request is a handler in
// the file of its group and a line in the table (api.cpp).

#include "check_runs.hpp"
#include "evaluation_pass.hpp"
#include "ipc_server.hpp"
#include "maintenance.hpp"
#include "notifier.hpp"

#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/catalog/site_edit.hpp"
#include "credwatch/ipc/protocol.hpp"
#include "credwatch/store/store.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace credwatch::api {

// Two roles (docs/security.md): administrators (Peer::privileged: root or the service's
// account, LocalSystem or Administrators) and staff, every other local user the OS lets
// connect.
enum class Privilege {
    anyone,         // reads, and what concerns only the caller
    own_entries,    // anyone; staff see only the entries of their own actions (audit)
    staff_change,   // a change of one credential: the handler checks it (may_change, may_own)
    administrator,  // root / LocalSystem / Administrators only
};

using Reply = Result<boost::json::value>;
// Sends a deferred reply; called once, on the io thread.
using Completion = std::function<void(Reply)>;

// What a handler works on; made by ServiceCore for each request.
struct Context {
    Store& store;
    const Configuration& config;
    const Clock& clock;
    Notifier* notifier;
    EvaluationPass& pass;
    const std::filesystem::path& data_dir;
    std::function<Status()> reload;
    // Set by a handler whose answer comes after work off the io thread (rescan); what it
    // returns is then not sent. Called with the Completion that sends the reply.
    std::function<void(Completion)> deferred = {};
    const StoreHealth* store_health = nullptr;
    StoreMaintenance* store_maintenance = nullptr;
    // Edits the site file the service runs on (created in DATA_DIR when it runs on the bundled
    // one); true when it changed. The caller reloads.
    std::function<Result<bool>(const SiteEdits&)> edit_site = {};
    CheckRuns* check_runs = nullptr;
};

using Params = boost::json::object;
using Handler = Reply (*)(Context& context, const Params& params, const Peer& peer);

struct Method {
    std::string_view name;
    Privilege privilege;
    Handler handler;
    // For the refusal: "only an administrator may <what>".
    std::string_view what = {};
};

std::span<const Method> methods();
const Method* find_method(std::string_view name);

// The table's privilege, then the handler; an unknown method is a protocol_error.
Reply dispatch(Context& context, const protocol::Request& request, const Peer& peer);

// --- shared by the handlers ---
// Its deadline may be recorded (a change, an issuance, a reminder acknowledged or snoozed) by
// an administrator, by anyone when it is the machine's, and by its owner.
[[nodiscard]] Status may_change(const Credential& credential, const Peer& peer);
[[nodiscard]] Result<Credential> changeable(Context& context, std::string_view id,
                                            const Peer& peer);
// It may be added or removed by an administrator, and by its owner when that is a user: a
// machine credential only by an administrator.
[[nodiscard]] Status may_own(const Credential& credential, const Peer& peer, std::string_view what);
// After a staff caller changed a machine credential: a line in the system log (the audit row
// is the store's). Nothing for an administrator or the caller's own credential.
void note_staff_change(Context& context, const Credential& credential, const Peer& peer,
                       std::string_view action);
// The well-known parameters every request may carry, checked before any handler runs:
// "credential", "system", "kind" (ids), "label", "note", "owner" (labels).
[[nodiscard]] Status check_parameters(const Params& params);
Actor actor_of(const Peer& peer, const Params& params);
// A pass without a folder scan after a change; logged, not returned, when it fails.
std::optional<PassResult> evaluate_after_change(Context& context, std::string_view why);
[[nodiscard]] Result<TimePoint> parse_instant_or_date(std::string_view text);

// --- status.cpp ---
Reply hello(Context&, const Params&, const Peer&);
Reply status(Context&, const Params&, const Peer&);
Reply list(Context&, const Params&, const Peer&);
Reply subscribe(Context&, const Params&, const Peer&);
// --- credentials.cpp ---
Reply record_renewal(Context&, const Params&, const Peer&);
Reply record_issuance(Context&, const Params&, const Peer&);
Reply add_credential(Context&, const Params&, const Peer&);
Reply remove_credential(Context&, const Params&, const Peer&);
// --- reminders.cpp ---
Reply reminders(Context&, const Params&, const Peer&);
Reply acknowledge(Context&, const Params&, const Peer&);
Reply snooze(Context&, const Params&, const Peer&);
// --- inventory.cpp ---
Reply inventory(Context&, const Params&, const Peer&);
Reply rescan(Context&, const Params&, const Peer&);
Reply report_certificates(Context&, const Params&, const Peer&);
Reply bind(Context&, const Params&, const Peer&);
Reply candidates(Context&, const Params&, const Peer&);
Reply reset_match(Context&, const Params&, const Peer&);
// --- mail.cpp ---
Reply outbox(Context&, const Params&, const Peer&);
Reply send_test_mail(Context&, const Params&, const Peer&);
// --- admin.cpp ---
Reply catalog(Context&, const Params&, const Peer&);
Reply audit(Context&, const Params&, const Peer&);
Reply set_systems(Context&, const Params&, const Peer&);
Reply issuances(Context&, const Params&, const Peer&);
Reply reload(Context&, const Params&, const Peer&);
// --- ledger.cpp ---
Reply export_ledger(Context&, const Params&, const Peer&);
Reply import_ledger(Context&, const Params&, const Peer&);
// --- maintenance.cpp ---
Reply backup(Context&, const Params&, const Peer&);
// --- symptoms.cpp ---
Reply symptoms(Context&, const Params&, const Peer&);
// --- checks.cpp ---
Reply checks(Context&, const Params&, const Peer&);
Reply run_checks(Context&, const Params&, const Peer&);
Reply report_checks(Context&, const Params&, const Peer&);
// The "store" object of the status reply.
boost::json::object store_status(const Context&);

}  // namespace credwatch::api
