// export_ledger, import_ledger: the ledger moves with the clinic to a new PC
// (docs/ledger-format.md). Administrators only (the table in api.cpp): the file names people.

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/ledger_codec.hpp"
#include "credwatch/platform/platform.hpp"

#include <spdlog/spdlog.h>

namespace credwatch::api {

namespace json = boost::json;

Reply export_ledger(Context& context, const Params&, const Peer& peer) {
    auto ledger = context.store.export_ledger(platform::machine_name());
    if (!ledger) return ledger.error();
    spdlog::info("ledger exported for {}: {} credential(s), {} audit row(s)", peer.user,
                 ledger->credentials.size(), ledger->audit.size());
    return json::value(json::object{{"ledger", ledger_to_json(*ledger)}});
}

Reply import_ledger(Context& context, const Params& params, const Peer& peer) {
    // The file's name, for the errors; the CLI sends it with the document it read.
    std::string source = "the ledger";
    if (const auto* file = params.if_contains("file"); file && file->is_string())
        source = std::string(file->as_string());
    const auto* document = params.if_contains("ledger");
    if (!document)
        return make_error(Errc::protocol_error, "import_ledger: missing parameter \"ledger\"");
    auto ledger = ledger_from_json(*document, source);
    if (!ledger) return ledger.error();
    auto summary = context.store.import_ledger(*ledger, actor_of(peer, params));
    if (!summary) return summary.error();
    evaluate_after_change(context, "ledger import");
    const auto& s = *summary;
    return json::value(json::object{
        {"imported", json::object{{"machine", ledger->machine},
                                  {"exported_at", format_utc(ledger->exported_at)},
                                  {"credentials_added", s.credentials_added},
                                  {"credentials_updated", s.credentials_updated},
                                  {"tombstones_added", s.tombstones_added},
                                  {"issuances_added", s.issuances_added},
                                  {"reminders_added", s.reminders_added},
                                  {"reminders_updated", s.reminders_updated},
                                  {"bindings_added", s.bindings_added},
                                  {"learnt_matches_added", s.learnt_matches_added},
                                  {"audit_added", s.audit_added},
                                  {"audit_already_present", s.audit_already_present}}}});
}

}  // namespace credwatch::api
