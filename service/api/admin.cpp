// catalog, audit, reload.

#include "api.hpp"

#include "credwatch/ipc/json_codec.hpp"

#include <algorithm>

namespace credwatch::api {

namespace json = boost::json;

Reply catalog(Context& context, const Params&, const Peer&) {
    const Configuration& config = context.config;
    json::array systems;
    for (const auto& s : config.catalog.systems) {
        json::array kinds;
        for (const auto& k : s.kinds) {
            json::array procs;
            for (const auto& p : k.procedures) procs.emplace_back(p);
            kinds.push_back(json::object{{"id", k.id},
                                         {"rule", to_string(k.rule)},
                                         {"name_ja", k.name_ja},
                                         {"name_en", k.name_en},
                                         {"lifetime_days", k.lifetime_days},
                                         {"limit", k.limit},
                                         {"thresholds", json::value_from(k.thresholds)},
                                         {"per", k.per},
                                         {"procedures", std::move(procs)}});
        }
        systems.push_back(json::object{{"id", s.id},
                                       {"name_ja", s.name_ja},
                                       {"name_en", s.name_en},
                                       {"kinds", std::move(kinds)}});
    }
    json::array procedures;
    for (const auto& p : config.catalog.procedures) procedures.push_back(to_json(p));
    return json::value(json::object{{"systems", std::move(systems)},
                                    {"procedures", std::move(procedures)},
                                    {"organisation", config.service.organisation}});
}

// The whole trail for an administrator; for anyone else the entries of their own actions only
// (the trail holds who did what to every user's credentials), among the latest kMaxEntries.
Reply audit(Context& context, const Params& params, const Peer& peer) {
    constexpr std::int64_t kMaxEntries = 10000;
    auto limit = protocol::optional_int(params, "limit");
    if (!limit) return limit.error();
    const auto wanted =
        static_cast<std::size_t>(std::clamp<std::int64_t>(limit->value_or(100), 1, kMaxEntries));
    auto entries =
        context.store.audit(peer.privileged ? wanted : static_cast<std::size_t>(kMaxEntries));
    if (!entries) return entries.error();
    json::array out;
    for (const auto& e : *entries) {
        if (out.size() == wanted) break;
        if (peer.privileged || e.os_user == peer.user) out.push_back(to_json(e));
    }
    return json::value(json::object{{"audit", std::move(out)}});
}

Reply reload(Context& context, const Params&, const Peer&) {
    if (auto st = context.reload(); !st) return st.error();
    return json::value(json::object{{"reloaded", true}});
}

}  // namespace credwatch::api
