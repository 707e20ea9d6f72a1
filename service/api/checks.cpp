// The results of the checks the service runs (docs/doctor.md), a run on request, and the
// results of the checks a user's session runs: the tray's 接続チェック window and
// `credwatch checks [--run] [--report]`.

#include "api.hpp"

#include "credwatch/ipc/json_codec.hpp"

#include <fmt/format.h>

namespace credwatch::api {

namespace json = boost::json;

namespace {

// Staff see the results of their own session; administrators everybody's.
std::optional<std::string> visible_user(const Peer& peer) {
    return peer.privileged ? std::nullopt : std::optional(peer.user);
}

}  // namespace

Reply checks(Context& context, const Params&, const Peer& peer) {
    if (!context.check_runs) return make_error(Errc::internal, "the service has not started");
    return json::value(context.check_runs->to_json(visible_user(peer)));
}

// What the caller's session found: kept as the OS-identified caller's, whatever the message
// says; only the session checks of the site are taken (the machine's are the service's own).
Reply report_checks(Context& context, const Params& params, const Peer& peer) {
    CheckRuns* runs = context.check_runs;
    if (!runs) return make_error(Errc::internal, "the service has not started");
    const auto* list = params.if_contains("results");
    if (!list || !list->is_array())
        return make_error(Errc::invalid_argument, "parameter \"results\" must be an array");
    std::vector<SessionCheckResult> results;
    for (std::size_t i = 0; i < list->as_array().size(); ++i) {
        auto r = session_check_result_from_json(list->as_array()[i]);
        if (!r)
            return make_error(Errc::invalid_argument,
                              fmt::format("results[{}]: {}", i, r.error().message));
        results.push_back(std::move(*r));
    }
    CW_TRY_ASSIGN(kept, runs->report(peer.user, results));
    json::object reply = runs->to_json(visible_user(peer));
    reply["kept"] = kept.kept;
    reply["throttled"] = kept.throttled;
    reply["user"] = peer.user;
    return json::value(std::move(reply));
}

// The checks block (DNS, TCP, SNTP): they run on the maintenance worker, and the reply is sent
// once their results are back on the io thread.
Reply run_checks(Context& context, const Params&, const Peer& peer) {
    CheckRuns* runs = context.check_runs;
    if (!runs) return make_error(Errc::internal, "the service has not started");
    context.deferred = [runs, only = visible_user(peer)](Completion done) {
        runs->run_now([runs, only, done = std::move(done)](bool throttled) {
            json::object reply = runs->to_json(only);
            reply["throttled"] = throttled;
            done(json::value(std::move(reply)));
        });
    };
    return json::value(nullptr);
}

}  // namespace credwatch::api
