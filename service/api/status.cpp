// hello, status, list, subscribe.

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"

#include <algorithm>

namespace credwatch::api {

namespace json = boost::json;

Reply hello(Context& context, const Params&, const Peer& peer) {
    return json::value(json::object{{"protocol", protocol::kVersion},
                                    {"service_version", CREDWATCH_VERSION},
                                    {"data_dir", platform::to_utf8(context.data_dir)},
                                    {"user", peer.user},
                                    {"privileged", peer.privileged}});
}

Reply status(Context& context, const Params& params, const Peer&) {
    TimePoint at = context.clock.now();
    auto at_text = protocol::optional_string(params, "at");
    if (!at_text) return at_text.error();
    if (*at_text) {
        auto parsed = parse_instant_or_date(**at_text);
        if (!parsed) return parsed.error();
        at = *parsed;
    }
    auto rows = context.pass.rows_at(at);
    if (!rows) return rows.error();
    int worst = -1;
    json::array credentials;
    for (const auto& r : *rows) {
        worst = std::max(worst, severity(r.state));
        credentials.push_back(to_json(r));
    }
    auto active = context.store.reminders(true);
    if (!active) return active.error();
    json::array reminders;
    for (const auto& r : *active) reminders.push_back(to_json(r));
    // The heartbeat: a tray that sees no pass for twice the interval says reminders stopped.
    json::object evaluation{
        {"every_minutes", std::max(1, context.config.service.evaluate_every_minutes)}};
    if (auto last = context.pass.last_completed())
        evaluation["last"] = format_utc(*last);
    else
        evaluation["last"] = nullptr;
    return json::value(json::object{{"now", format_utc(context.clock.now())},
                                    {"at", format_utc(at)},
                                    {"severity", worst},
                                    {"evaluation", std::move(evaluation)},
                                    {"credentials", std::move(credentials)},
                                    {"reminders", std::move(reminders)},
                                    {"store", store_status(context)}});
}

Reply list(Context& context, const Params&, const Peer&) {
    auto rows = context.pass.rows_at(context.clock.now());
    if (!rows) return rows.error();
    json::array out;
    for (const auto& r : *rows) out.push_back(to_json(r));
    auto learnt = context.store.learnt_matches();
    if (!learnt) return learnt.error();
    json::array matches;
    for (const auto& m : *learnt) matches.push_back(to_json(m));
    return json::value(
        json::object{{"credentials", std::move(out)}, {"learnt_matches", std::move(matches)}});
}

Reply subscribe(Context&, const Params&, const Peer&) {
    return json::value(json::object{{"subscribed", true}});
}

}  // namespace credwatch::api
