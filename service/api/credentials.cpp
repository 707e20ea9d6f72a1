// record_renewal, record_issuance, add, remove.

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/strings.hpp"
#include "credwatch/domain/identifiers.hpp"
#include "credwatch/domain/rules.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

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

// A document path from a staff caller: a file on this machine's disks that the service (root
// / LocalSystem) reads without following a link, so that it never authenticates to another
// host nor reveals the time of a file the caller cannot see. A file not there yet is accepted
// (a document not downloaded yet).
Status check_staff_document_path(std::string_view text) {
    constexpr std::string_view kWhat = "parameter \"document_path\"";
    CW_TRY(check_local_path(text, kWhat));
    const std::filesystem::path path = platform::from_utf8(text);
    if (!path.is_absolute())
        return make_error(Errc::invalid_argument,
                          fmt::format("{} must be an absolute path on this machine (found \"{}\")",
                                      kWhat, escape_for_display(text)));
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(path, ec);  // lstat: the link itself
    if (ec || status.type() == std::filesystem::file_type::not_found) return {};
    if (std::filesystem::is_symlink(status))
        return make_error(Errc::permission_denied,
                          fmt::format("{} is a symbolic link (\"{}\"): give the document itself",
                                      kWhat, escape_for_display(text)));
    if (!std::filesystem::is_regular_file(status))
        return make_error(Errc::invalid_argument, fmt::format("{} is not a regular file (\"{}\")",
                                                              kWhat, escape_for_display(text)));
    return {};
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
    note_staff_change(context, *c, peer, fmt::format("renewed on {}", format_date(on)));
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
    note_staff_change(context, *c, peer,
                      fmt::format("{} (now {})", *total ? "issued-total" : "issued", *count));
    return row_after_change(context, *id, "issuance recorded");
}

// The issuance ledger, of one credential or all. Staff read every row (the count is no
// secret) but see the OS user only on their own rows, as in the audit trail.
Reply issuances(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::optional_string(params, "credential");
    if (!id) return id.error();
    const std::string wanted = id->value_or(std::string{});
    if (!wanted.empty()) {
        auto c = context.store.credential(wanted);
        if (!c) return c.error();
    }
    auto rows = context.store.issuances(wanted);
    if (!rows) return rows.error();
    json::array out;
    for (auto row : *rows) {
        if (!peer.privileged && row.os_user != peer.user) row.os_user.clear();
        out.push_back(to_json(row));
    }
    return json::value(json::object{{"issuances", std::move(out)}});
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
    if (auto st = may_own(c, peer, "add"); !st) return st.error();
    if (!peer.privileged && !c.document_path.empty())
        if (auto st = check_staff_document_path(c.document_path); !st) return st.error();
    c.source = "user";
    if (auto st = context.store.add_credential(c, actor_of(peer, params)); !st) return st.error();
    return row_after_change(context, c.id, "credential added");
}

Reply remove_credential(Context& context, const Params& params, const Peer& peer) {
    auto id = protocol::required_string(params, "credential");
    if (!id) return id.error();
    auto c = context.store.credential(*id);
    if (!c) return c.error();
    if (auto st = may_own(*c, peer, "remove"); !st) return st.error();
    if (auto st = context.store.remove_credential(*id, actor_of(peer, params)); !st)
        return st.error();
    context.pass.inventory_changed();  // its certificate is no longer tracked as it
    return json::value(json::object{{"removed", *id}});
}

}  // namespace credwatch::api
