// reminders, acknowledge, snooze.

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/json_codec.hpp"

#include <fmt/format.h>

namespace credwatch::api {

namespace json = boost::json;

namespace {

// A reminder hidden for long is a deadline nobody hears of: a staff caller may snooze for at
// most [service] staff_snooze_max_days from now, by "days" or by "until" alike.
Status within_staff_window(const Context& context, TimePoint until, const Peer& peer) {
    if (peer.privileged) return {};
    const int max_days = context.config.service.staff_snooze_max_days;
    const TimePoint latest = context.clock.now() + std::chrono::hours(24) * max_days;
    if (until <= latest) return {};
    return make_error(Errc::permission_denied,
                      fmt::format("a snooze may last at most {} days (until {}) unless an "
                                  "administrator sets it ([service] staff_snooze_max_days in the "
                                  "site configuration); {} is later",
                                  max_days, format_utc(latest), format_utc(until)));
}

}  // namespace

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
    auto c = changeable(context, r->credential_id, peer);
    if (!c) return c.error();
    if (auto st = context.store.acknowledge(*id, actor_of(peer, params)); !st) return st.error();
    note_staff_change(context, *c, peer, fmt::format("reminder {} acknowledged", *id));
    auto updated = context.store.reminder(*id);
    if (!updated) return updated.error();
    return json::value(to_json(*updated));
}

Reply snooze(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::required_int(params, "reminder");
    if (!id) return id.error();
    auto r = context.store.reminder(*id);
    if (!r) return r.error();
    auto c = changeable(context, r->credential_id, peer);
    if (!c) return c.error();
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
    if (auto st = within_staff_window(context, until, peer); !st) return st.error();
    if (auto st = context.store.snooze(*id, until, actor_of(peer, params)); !st) return st.error();
    note_staff_change(context, *c, peer,
                      fmt::format("reminder {} snoozed until {}", *id, format_utc(until)));
    auto updated = context.store.reminder(*id);
    if (!updated) return updated.error();
    return json::value(to_json(*updated));
}

}  // namespace credwatch::api
