#pragma once
// The IPC requests (docs/ipc-protocol.md): ONE table, method -> { privilege, handler }. The
// dispatcher checks the privilege before it calls the handler. A new request is a handler in
// the file of its group and a line in the table (api.cpp).

#include "evaluation_pass.hpp"
#include "ipc_server.hpp"
#include "maintenance.hpp"
#include "notifier.hpp"

#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/ipc/protocol.hpp"
#include "credwatch/store/store.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace credwatch::api {

enum class Privilege {
    anyone,         // reads, and what concerns only the caller
    staff_change,   // a change, checked against the credential's owner (may_change)
    administrator,  // root / LocalSystem / Administrators only
};

// What a handler works on; made by ServiceCore for each request.
struct Context {
    Store& store;
    const Configuration& config;
    const Clock& clock;
    Notifier* notifier;
    EvaluationPass& pass;
    const std::filesystem::path& data_dir;
    std::function<Status()> reload;
    const StoreHealth* store_health = nullptr;
    StoreMaintenance* store_maintenance = nullptr;
};

using Params = boost::json::object;
using Reply = Result<boost::json::value>;
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
// A credential may be changed by an administrator, by anyone when it is the machine's, and by
// its owner.
[[nodiscard]] Status may_change(const Credential& credential, const Peer& peer);
[[nodiscard]] Result<Credential> changeable(Context& context, std::string_view id,
                                            const Peer& peer);
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
// --- mail.cpp ---
Reply outbox(Context&, const Params&, const Peer&);
Reply send_test_mail(Context&, const Params&, const Peer&);
// --- admin.cpp ---
Reply catalog(Context&, const Params&, const Peer&);
Reply audit(Context&, const Params&, const Peer&);
Reply reload(Context&, const Params&, const Peer&);
// --- maintenance.cpp ---
Reply backup(Context&, const Params&, const Peer&);
// The "store" object of the status reply.
boost::json::object store_status(const Context&);

}  // namespace credwatch::api
