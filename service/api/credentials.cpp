// record_renewal, record_issuance, add, remove.

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/domain/rules.hpp"
#include "credwatch/ipc/json_codec.hpp"

#include <fmt/format.h>

namespace credwatch::api {

namespace json = boost::json;

namespace {

// An integer parameter that must fit a count of days or issuances.
Result<std::optional<int>> small_int(const Params& params, std::string_view key, int min, int max) {
    auto v = protocol::optional_int(params, key);
    if (!v) return v.error();
    if (!*v) return std::optional<int>{};
    if (**v < min || **v > max)
        return make_error(Errc::invalid_argument,
                          fmt::format("parameter \"{}\" must be between {} and {}", key, min, max));
    return std::optional<int>{static_cast<int>(**v)};
}

// The credential's row after a change: the one the pass made, or (when the pass failed) the
// credential evaluated on its own.
Reply row_after_change(Context& context, std::string_view id, std::string_view why) {
    if (auto pass = evaluate_after_change(context, why))
        if (const StatusRow* row = pass->row(id)) return json::value(to_json(*row));
    auto updated = context.store.credential(id);
    if (!updated) return updated.error();
    const CredentialKind* kind = context.config.catalog.kind(updated->system, updated->kind);
    if (!kind) return make_error(Errc::internal, fmt::format("{} has no kind", id));
    return json::value(
        to_json(make_status_row(*updated, context.config.catalog.system(updated->system), kind,
                                evaluate(*updated, *kind, context.clock.now()))));
}

}  // namespace

Reply record_renewal(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::required_string(params, "credential");
    if (!id) return id.error();
    auto c = changeable(context, *id, peer);
    if (!c) return c.error();
    const CredentialKind* kind = context.config.catalog.kind(c->system, c->kind);
    if (!kind || (kind->rule != Rule::password_rotation && kind->rule != Rule::document_age))
        return make_error(Errc::invalid_argument,
                          fmt::format("{} is not a password or document: a change date cannot be "
                                      "recorded for it",
                                      *id));
    Date on = local_date(context.clock.now());
    auto on_text = protocol::optional_string(params, "on");
    if (!on_text) return on_text.error();
    if (*on_text) {
        auto parsed = parse_date(**on_text);
        if (!parsed) return parsed.error();
        on = *parsed;
    }
    if (auto st = context.store.record_renewal(*id, on, actor_of(peer, params)); !st)
        return st.error();
    return row_after_change(context, *id, "renewal recorded");
}

Reply record_issuance(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::required_string(params, "credential");
    if (!id) return id.error();
    auto c = changeable(context, *id, peer);
    if (!c) return c.error();
    const CredentialKind* kind = context.config.catalog.kind(c->system, c->kind);
    if (!kind || kind->rule != Rule::issuance_quota)
        return make_error(Errc::invalid_argument, fmt::format("{} does not count issuances", *id));
    auto total = small_int(params, "total", 0, 1000);
    if (!total) return total.error();
    Actor actor = actor_of(peer, params);
    auto count = *total ? context.store.set_issued(*id, **total, actor)
                        : context.store.record_issuance(*id, actor);
    if (!count) return count.error();
    return row_after_change(context, *id, "issuance recorded");
}

Reply add_credential(Context& context, const Params& params, const Peer& peer) {
    Credential c;
    auto id = protocol::required_string(params, "credential");
    auto system = protocol::required_string(params, "system");
    auto kind = protocol::required_string(params, "kind");
    if (!id) return id.error();
    if (!system) return system.error();
    if (!kind) return kind.error();
    const CredentialKind* k = context.config.catalog.kind(*system, *kind);
    if (!k)
        return make_error(
            Errc::invalid_argument,
            fmt::format("the catalog has no credential kind {}", kind_path(*system, *kind)));
    if (id->empty()) return make_error(Errc::invalid_argument, "the credential id is empty");
    c.id = *id;
    c.system = *system;
    c.kind = *kind;
    auto label = protocol::optional_string(params, "label");
    auto owner = protocol::optional_string(params, "owner");
    auto doc = protocol::optional_string(params, "document_path");
    auto limit = small_int(params, "limit", 1, 1000);
    auto lifetime = small_int(params, "lifetime_days", 1, 3650);
    for (auto* r : {&label, &owner, &doc})
        if (!*r) return r->error();
    if (!limit) return limit.error();
    if (!lifetime) return lifetime.error();
    c.label = label->value_or("");
    c.owner = owner->value_or(k->per == "user" ? peer.user : "machine");
    c.document_path = doc->value_or("");
    c.limit = *limit;
    c.lifetime_days = *lifetime;
    if (auto st = may_change(c, peer); !st) return st.error();
    c.source = "user";
    if (auto st = context.store.add_credential(c, actor_of(peer, params)); !st) return st.error();
    return row_after_change(context, c.id, "credential added");
}

Reply remove_credential(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::required_string(params, "credential");
    if (!id) return id.error();
    auto c = changeable(context, *id, peer);
    if (!c) return c.error();
    if (auto st = context.store.remove_credential(*id, actor_of(peer, params)); !st)
        return st.error();
    context.pass.inventory_changed();  // its certificate is no longer tracked as it
    return json::value(json::object{{"removed", *id}});
}

}  // namespace credwatch::api
