// inventory, rescan, report_certificates, bind, candidates, reset_match.

#include "api.hpp"

#include "credwatch/certs/certificate.hpp"
#include "credwatch/domain/candidates.hpp"
#include "credwatch/ipc/json_codec.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace credwatch::api {

namespace json = boost::json;

Reply inventory(Context& context, const Params&, const Peer&) {
    auto entries = context.store.inventory();
    if (!entries) return entries.error();
    auto failures = context.store.inventory_failures();
    if (!failures) return failures.error();
    json::array certs, errors;
    for (const auto& e : *entries) certs.push_back(to_json(e));
    for (const auto& f : *failures) errors.push_back(to_json(f));
    return json::value(
        json::object{{"certificates", std::move(certs)}, {"failures", std::move(errors)}});
}

namespace {

Reply rescan_counts(Store& store, const Result<PassResult>& pass) {
    if (!pass) return pass.error();
    auto entries = store.inventory();
    if (!entries) return entries.error();
    auto failures = store.inventory_failures();
    if (!failures) return failures.error();
    return json::value(json::object{{"certificates", entries->size()},
                                    {"failures", failures->size()},
                                    {"reminders_raised", pass->raised.size()}});
}

}  // namespace

// The scan runs on the pass's worker thread; the counts are the reply once it is evaluated.
Reply rescan(Context& context, const Params&, const Peer&) {
    EvaluationPass& pass = context.pass;
    Store& store = context.store;
    context.deferred = [&pass, &store](Completion done) {
        pass.run_async(Scan::folders,
                       [&store, done = std::move(done)](const Result<PassResult>& result) {
                           done(rescan_counts(store, result));
                       });
    };
    return json::value(nullptr);
}

namespace {

// One report is one user's stores: a few hundred certificates at most (Windows' CurrentUser\\Root
// shows the machine's roots too); a certificate is a few kilobytes.
constexpr std::size_t kMaxReportedCertificates = 2000;
constexpr std::size_t kMaxReportedDerBytes = 32U * 1024U;

}  // namespace

Reply report_certificates(Context& context, const Params& params, const Peer& peer) {
    ScanResult scan;
    const auto* certs = params.if_contains("certificates");
    if (!certs || !certs->is_array())
        return make_error(Errc::invalid_argument, "parameter \"certificates\" must be an array");
    const auto& records = certs->as_array();
    if (records.size() > kMaxReportedCertificates)
        return make_error(Errc::invalid_argument,
                          fmt::format("parameter \"certificates\": {} certificates, at most {} "
                                      "in one report",
                                      records.size(), kMaxReportedCertificates));
    // Only the DER is taken from the message, and the service parses it itself; the owner is
    // the OS-identified caller, whatever the message claims.
    for (std::size_t index = 0; index < records.size(); ++index) {
        const std::string name = fmt::format("certificates[{}]", index);
        auto record = reported_certificate_from_json(records[index], kMaxReportedDerBytes);
        if (!record && record.error().code == Errc::invalid_argument)
            return make_error(Errc::invalid_argument,
                              fmt::format("{}: {}", name, record.error().message));
        if (!record) {
            scan.failures.push_back(
                {name, record.error().code, fmt::format("{}: {}", name, record.error().message)});
            continue;
        }
        auto found = parse_reported_certificate(*record, peer.user);
        if (!found) {
            scan.failures.push_back({record->location.empty() ? name : record->location,
                                     found.error().code,
                                     fmt::format("{}: {}", name, found.error().message)});
            continue;
        }
        scan.certificates.push_back(std::move(*found));
    }
    if (const auto* fails = params.if_contains("failures"); fails && fails->is_array()) {
        for (const auto& v : fails->as_array()) {
            auto f = scan_failure_from_json(v);
            if (!f) return f.error();
            scan.failures.push_back(std::move(*f));
        }
    }
    // Into the inventory only: the system log takes no text any local user can send.
    if (auto st = context.pass.replace_reported_inventory("user:" + peer.user, scan); !st)
        return st.error();
    evaluate_after_change(context, "certificates reported");
    return json::value(json::object{{"accepted", scan.certificates.size()},
                                    {"failed", scan.failures.size()},
                                    {"owner", peer.user}});
}

Reply bind(Context& context, const Params& params, const Peer& peer) {
    auto sha = protocol::required_string(params, "sha256");
    auto id = protocol::required_string(params, "credential");
    if (!sha) return sha.error();
    if (!id) return id.error();
    auto c = changeable(context, *id, peer);
    if (!c) return c.error();
    if (!peer.privileged) {
        // Staff bind only what they reported themselves: a binding must not let one user's
        // certificate (or the machine's) speak for a credential it was not found for.
        auto entries = context.store.inventory();
        if (!entries) return entries.error();
        std::string wanted = *sha;
        std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        const bool reported_by_peer =
            std::any_of(entries->begin(), entries->end(), [&](const InventoryEntry& e) {
                return e.certificate.provenance == Provenance::reported &&
                       e.certificate.owner == peer.user && e.certificate.info.sha256 == wanted;
            });
        if (!reported_by_peer)
            return make_error(Errc::permission_denied,
                              fmt::format("{} may bind only a certificate they reported "
                                          "themselves; {} is not one (an administrator may bind "
                                          "any)",
                                          peer.user, *sha));
    }
    if (auto st = context.store.bind_inventory(*sha, *id, actor_of(peer, params)); !st)
        return st.error();
    // The first certificate confirmed for a kind the catalog cannot describe teaches its match
    // for this site; a later one changes nothing until an administrator resets it.
    json::value learnt_json = nullptr;
    const CredentialKind* kind = context.config.catalog.kind(c->system, c->kind);
    if (kind && takes_candidates(*kind)) {
        auto learnt = context.store.learnt_matches();
        if (!learnt) return learnt.error();
        if (!with_learnt_match(*kind, *learnt).match.learnt) {
            auto entries = context.store.inventory();
            if (!entries) return entries.error();
            std::string wanted = *sha;
            std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            auto entry = std::find_if(
                entries->begin(), entries->end(),
                [&](const InventoryEntry& e) { return e.certificate.info.sha256 == wanted; });
            if (entry != entries->end()) {
                LearntMatch match = learn_match(*kind, entry->certificate.info);
                if (auto st = context.store.learn_match(match, actor_of(peer, params)); !st)
                    return st.error();
                match.os_user = peer.user;
                match.learnt_at = context.clock.now();
                learnt_json = to_json(match);
            }
        }
    }
    context.pass.inventory_changed();
    evaluate_after_change(context, "certificate bound");
    return json::value(
        json::object{{"bound", *sha}, {"credential", *id}, {"learnt", std::move(learnt_json)}});
}

namespace {

// The kinds named by the optional "system" and "kind" parameters (all when neither is given).
bool selected(const CredentialKind& kind, const std::optional<std::string>& system,
              const std::optional<std::string>& kind_id) {
    return (!system || *system == kind.system) && (!kind_id || *kind_id == kind.id);
}

}  // namespace

Reply candidates(Context& context, const Params& params, const Peer&) {
    auto system = protocol::optional_string(params, "system");
    if (!system) return system.error();
    auto kind_id = protocol::optional_string(params, "kind");
    if (!kind_id) return kind_id.error();
    auto entries = context.store.inventory();
    if (!entries) return entries.error();
    auto learnt = context.store.learnt_matches();
    if (!learnt) return learnt.error();
    std::vector<CredentialKind> effective;
    for (const auto& sys : context.config.catalog.systems)
        for (const auto& k : sys.kinds) effective.push_back(with_learnt_match(k, *learnt));
    bool any = false;
    json::array kinds;
    for (const auto& k : effective) {
        if (!selected(k, *system, *kind_id)) continue;
        any = true;
        if (!takes_candidates(k) && !k.match.learnt) continue;
        json::object o{{"system", k.system},
                       {"kind", k.id},
                       {"name_ja", k.name_ja},
                       {"name_en", k.name_en},
                       {"learnt", nullptr}};
        json::array found;
        if (k.match.learnt) {
            for (const auto& l : *learnt)
                if (l.system == k.system && l.kind == k.id) o["learnt"] = to_json(l);
        } else {
            for (const auto& cert :
                 certificate_candidates(k, effective, *entries, context.clock.now()))
                found.push_back(to_json(cert));
        }
        o["candidates"] = std::move(found);
        kinds.push_back(std::move(o));
    }
    if ((*system || *kind_id) && !any)
        return make_error(Errc::not_found,
                          fmt::format("no credential kind {}/{} in the catalog",
                                      system->value_or("*"), kind_id->value_or("*")));
    return json::value(json::object{{"kinds", std::move(kinds)}});
}

Reply reset_match(Context& context, const Params& params, const Peer& peer) {
    auto system = protocol::required_string(params, "system");
    if (!system) return system.error();
    auto kind = protocol::required_string(params, "kind");
    if (!kind) return kind.error();
    if (!context.config.catalog.kind(*system, *kind))
        return make_error(Errc::not_found,
                          fmt::format("no credential kind {}/{} in the catalog", *system, *kind));
    auto reset = context.store.reset_learnt_match(*system, *kind, actor_of(peer, params));
    if (!reset) return reset.error();
    context.pass.inventory_changed();
    evaluate_after_change(context, "learnt match reset");
    return json::value(json::object{{"system", *system}, {"kind", *kind}, {"reset", *reset}});
}

}  // namespace credwatch::api
