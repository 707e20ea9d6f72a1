// inventory, rescan, report_certificates, bind.

#include "api.hpp"

#include "credwatch/ipc/json_codec.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

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

Reply report_certificates(Context& context, const Params& params, const Peer& peer) {
    ScanResult scan;
    const auto* certs = params.if_contains("certificates");
    if (!certs || !certs->is_array())
        return make_error(Errc::invalid_argument, "parameter \"certificates\" must be an array");
    std::size_t index = 0;
    for (const auto& v : certs->as_array()) {
        auto c = found_certificate_from_json(v);
        if (!c)
            return make_error(Errc::invalid_argument,
                              fmt::format("certificates[{}]: {}", index, c.error().message));
        c->owner = peer.user;  // the OS says who reported them, not the message
        if (c->source != "store") c->source = "file";
        scan.certificates.push_back(std::move(*c));
        ++index;
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
    return json::value(json::object{{"accepted", scan.certificates.size()}, {"owner", peer.user}});
}

Reply bind(Context& context, const Params& params, const Peer& peer) {
    auto sha = protocol::required_string(params, "sha256");
    auto id = protocol::required_string(params, "credential");
    if (!sha) return sha.error();
    if (!id) return id.error();
    auto c = changeable(context, *id, peer);
    if (!c) return c.error();
    if (auto st = context.store.bind_inventory(*sha, *id, actor_of(peer, params)); !st)
        return st.error();
    context.pass.inventory_changed();
    evaluate_after_change(context, "certificate bound");
    return json::value(json::object{{"bound", *sha}, {"credential", *id}});
}

}  // namespace credwatch::api
