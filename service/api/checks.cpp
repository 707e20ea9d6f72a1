// The results of the checks the service runs (docs/doctor.md), and a run on request: the
// tray's 接続チェック window and `credwatch checks`.

#include "api.hpp"

namespace credwatch::api {

namespace json = boost::json;

Reply checks(Context& context, const Params&, const Peer&) {
    if (!context.check_runs) return make_error(Errc::internal, "the service has not started");
    return json::value(context.check_runs->to_json());
}

// The checks block (DNS, TCP, SNTP): they run on the maintenance worker, and the reply is sent
// once their results are back on the io thread.
Reply run_checks(Context& context, const Params&, const Peer&) {
    CheckRuns* runs = context.check_runs;
    if (!runs) return make_error(Errc::internal, "the service has not started");
    context.deferred = [runs](Completion done) {
        runs->run_now([runs, done = std::move(done)](bool throttled) {
            json::object reply = runs->to_json();
            reply["throttled"] = throttled;
            done(json::value(std::move(reply)));
        });
    };
    return json::value(nullptr);
}

}  // namespace credwatch::api
