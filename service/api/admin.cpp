// catalog, audit, reload.

#include "api.hpp"

#include "credwatch/ipc/json_codec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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
                                       {"description_ja", s.description_ja},
                                       {"description_en", s.description_en},
                                       {"kinds", std::move(kinds)}});
    }
    json::array procedures;
    for (const auto& p : config.catalog.procedures) procedures.push_back(to_json(p));
    // The site's [service] systems; null when not chosen (every system is tracked).
    json::value site_systems = nullptr;
    if (config.service.systems) site_systems = json::value_from(*config.service.systems);
    return json::value(json::object{{"systems", std::move(systems)},
                                    {"procedures", std::move(procedures)},
                                    {"organisation", config.service.organisation},
                                    {"site_systems", std::move(site_systems)}});
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

// The site's systems: [service] systems edited in the site file (as `configure --set` does),
// the configuration reloaded (the chosen systems' credentials are seeded; those already in the
// store stay), and the change audited.
Reply set_systems(Context& context, const Params& params, const Peer& peer) {
    const auto* given = params.if_contains("systems");
    if (!given || !given->is_array())
        return make_error(Errc::invalid_argument, "systems: an array of catalog system ids");
    std::vector<std::string> systems;
    for (const auto& v : given->as_array()) {
        if (!v.is_string())
            return make_error(Errc::invalid_argument, "systems: each entry is a system id");
        const std::string id(v.as_string());
        if (!context.config.catalog.system(id)) {
            std::string known;
            for (const auto& s : context.config.catalog.systems)
                known += (known.empty() ? "" : ", ") + s.id;
            return make_error(Errc::not_found, fmt::format("systems: unknown system \"{}\" "
                                                           "(the catalog has {})",
                                                           id, known));
        }
        if (std::find(systems.begin(), systems.end(), id) == systems.end()) systems.push_back(id);
    }
    if (!context.edit_site) return make_error(Errc::internal, "the site file cannot be edited");
    const auto join = [](const std::vector<std::string>& ids) {
        return fmt::format("{}", fmt::join(ids, ","));
    };
    const std::string before =
        context.config.service.systems ? join(*context.config.service.systems) : "(all)";
    SiteEdits edits;
    edits.systems = systems;
    auto changed = context.edit_site(edits);
    if (!changed) return changed.error();
    if (*changed) {
        if (auto st = context.store.audit_change("site-systems", "service.systems", before,
                                                 join(systems), actor_of(peer, params));
            !st)
            return st.error();
        if (auto st = context.reload(); !st) return st.error();
    }
    return json::value(json::object{{"systems", json::value_from(systems)}, {"changed", *changed}});
}

}  // namespace credwatch::api
