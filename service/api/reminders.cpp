// reminders, acknowledge, snooze.

#include "api.hpp"

#include "credwatch/ipc/json_codec.hpp"

namespace credwatch::api {

namespace json = boost::json;

Reply reminders(Context& context, const Params& params, const Peer&) {
    bool all = false;
    if (const auto* v = params.if_contains("all"); v && v->is_bool()) all = v->as_bool();
    auto list = context.store.reminders(!all);
    if (!list) return list.error();
    json::array out;
    for (const auto& r : *list) out.push_back(to_json(r));
    return json::value(json::object{{"reminders", std::move(out)}});
}

Reply acknowledge(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::required_int(params, "reminder");
    if (!id) return id.error();
    auto r = context.store.reminder(*id);
    if (!r) return r.error();
    if (auto c = changeable(context, r->credential_id, peer); !c) return c.error();
    if (auto st = context.store.acknowledge(*id, actor_of(peer, params)); !st) return st.error();
    auto updated = context.store.reminder(*id);
    if (!updated) return updated.error();
    return json::value(to_json(*updated));
}

Reply snooze(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::required_int(params, "reminder");
    if (!id) return id.error();
    auto r = context.store.reminder(*id);
    if (!r) return r.error();
    if (auto c = changeable(context, r->credential_id, peer); !c) return c.error();
    auto until_text = protocol::optional_string(params, "until");
    auto days = protocol::optional_int(params, "days");
    if (!until_text) return until_text.error();
    if (!days) return days.error();
    TimePoint until;
    if (*until_text) {
        auto parsed = parse_instant_or_date(**until_text);
        if (!parsed) return parsed.error();
        until = *parsed;
    } else {
        std::int64_t d = days->value_or(1);
        if (d <= 0 || d > 365)
            return make_error(Errc::invalid_argument, "days must be between 1 and 365");
        until = context.clock.now() + std::chrono::hours(24 * d);
    }
    if (until <= context.clock.now())
        return make_error(Errc::invalid_argument, "a snooze must end in the future");
    if (auto st = context.store.snooze(*id, until, actor_of(peer, params)); !st) return st.error();
    auto updated = context.store.reminder(*id);
    if (!updated) return updated.error();
    return json::value(to_json(*updated));
}

}  // namespace credwatch::api
