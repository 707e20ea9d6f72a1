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

Reply audit(Context& context, const Params& params, const Peer&) {
    auto limit = protocol::optional_int(params, "limit");
    if (!limit) return limit.error();
    auto entries = context.store.audit(
        static_cast<std::size_t>(std::clamp<std::int64_t>(limit->value_or(100), 1, 10000)));
    if (!entries) return entries.error();
    json::array out;
    for (const auto& e : *entries) out.push_back(to_json(e));
    return json::value(json::object{{"audit", std::move(out)}});
}

Reply reload(Context& context, const Params&, const Peer&) {
    if (auto st = context.reload(); !st) return st.error();
    return json::value(json::object{{"reloaded", true}});
}

}  // namespace credwatch::api
