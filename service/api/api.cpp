// The request table and the dispatcher.

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/strings.hpp"
#include "credwatch/domain/identifiers.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>

namespace credwatch::api {

namespace {

using P = Privilege;

// Changing a request's privilege is one edit here. The roles and what each may do:
// docs/security.md; the staff_change handlers refuse a credential of another user, and a
// machine credential for add and remove.
constexpr std::array kMethods{
    Method{"hello", P::anyone, hello},
    Method{"status", P::anyone, status},
    Method{"list", P::anyone, list},
    Method{"subscribe", P::anyone, subscribe},
    Method{"record_renewal", P::staff_change, record_renewal},
    Method{"record_issuance", P::staff_change, record_issuance},
    Method{"issuances", P::anyone, issuances},
    Method{"add", P::staff_change, add_credential},
    Method{"remove", P::staff_change, remove_credential},
    Method{"reminders", P::anyone, reminders},
    Method{"acknowledge", P::staff_change, acknowledge},
    // Staff: at most [service] staff_snooze_max_days from now.
    Method{"snooze", P::staff_change, snooze},
    Method{"inventory", P::anyone, inventory},
    Method{"rescan", P::anyone, rescan},
    // The caller's own certificates only: the owner is the peer, whatever the message says.
    Method{"report_certificates", P::staff_change, report_certificates},
    Method{"bind", P::staff_change, bind},
    Method{"candidates", P::anyone, candidates},
    Method{"reset_match", P::administrator, reset_match, "reset a learnt certificate match"},
    Method{"catalog", P::anyone, catalog},
    Method{"symptoms", P::anyone, symptoms},
    Method{"audit", P::own_entries, audit},
    // Recipients, bodies and SMTP errors.
    Method{"outbox", P::administrator, outbox, "read the outbox"},
    Method{"send_test_mail", P::administrator, send_test_mail, "send a test mail"},
    Method{"reload", P::administrator, reload, "reload the configuration"},
    Method{"set_systems", P::administrator, set_systems, "choose the site's systems"},
    Method{"export_ledger", P::administrator, export_ledger, "export the ledger"},
    Method{"import_ledger", P::administrator, import_ledger, "import a ledger"},
    Method{"backup", P::administrator, backup, "back up the database"},
    Method{"checks", P::anyone, checks},
    // At most one run per 30 s; a second call answers the last results, "throttled".
    Method{"run_checks", P::anyone, run_checks},
    // The caller's own session: kept as that OS user's results only.
    Method{"report_checks", P::anyone, report_checks},
};

}  // namespace

std::span<const Method> methods() {
    return kMethods;
}

const Method* find_method(std::string_view name) {
    for (const auto& m : kMethods)
        if (m.name == name) return &m;
    return nullptr;
}

Reply dispatch(Context& context, const protocol::Request& request, const Peer& peer) {
    const Method* method = find_method(request.method);
    if (!method)
        return make_error(Errc::protocol_error,
                          fmt::format("unknown method \"{}\"", request.method));
    switch (method->privilege) {
        case Privilege::administrator:
            if (!peer.privileged)
                return make_error(
                    Errc::permission_denied,
                    fmt::format("only an administrator may {}",
                                method->what.empty() ? std::string_view("do that") : method->what));
            break;
        case Privilege::staff_change:  // the handler checks the credential it changes
        case Privilege::own_entries:   // the handler filters
        case Privilege::anyone:
            break;
    }
    if (auto st = check_parameters(request.params); !st) return st.error();
    return method->handler(context, request.params, peer);
}

Status check_parameters(const Params& params) {
    for (std::string_view key : {"credential", "system", "kind"})
        if (const auto* v = params.if_contains(key); v && v->is_string())
            CW_TRY(check_credential_id(v->as_string(), fmt::format("parameter \"{}\"", key)));
    for (std::string_view key : {"label", "note", "owner"})
        if (const auto* v = params.if_contains(key); v && v->is_string())
            CW_TRY(check_label(v->as_string(), fmt::format("parameter \"{}\"", key)));
    return {};
}

namespace {

// A user's own credential; never a machine one, whatever the user is called.
bool owned_by(const Credential& c, const Peer& peer) {
    return c.owner != "machine" && c.owner == peer.user;
}

Error belongs_to_another(const Credential& c, const Peer& peer) {
    return make_error(
        Errc::permission_denied,
        fmt::format("{} belongs to user {}; {} may not change it", escape_for_display(c.id),
                    escape_for_display(c.owner), escape_for_display(peer.user)));
}

}  // namespace

Status may_change(const Credential& c, const Peer& peer) {
    if (peer.privileged || c.owner == "machine" || owned_by(c, peer)) return {};
    return belongs_to_another(c, peer);
}

Status may_own(const Credential& c, const Peer& peer, std::string_view what) {
    if (peer.privileged || owned_by(c, peer)) return {};
    if (c.owner == "machine")
        return make_error(
            Errc::permission_denied,
            fmt::format("only an administrator may {} the machine credential {} "
                        "(owner \"machine\"); {} may {} credentials of their own",
                        what, escape_for_display(c.id), escape_for_display(peer.user), what));
    return belongs_to_another(c, peer);
}

void note_staff_change(Context& context, const Credential& c, const Peer& peer,
                       std::string_view action) {
    if (peer.privileged || c.owner != "machine") return;
    spdlog::info("{} changed machine credential {}: {}", escape_for_display(peer.user),
                 escape_for_display(c.id), action);
    if (context.notifier) context.notifier->staff_change(peer.user, c.id, action);
}

Result<Credential> changeable(Context& context, std::string_view id, const Peer& peer) {
    auto c = context.store.credential(id);
    if (!c) return c.error();
    if (auto st = may_change(*c, peer); !st) return st.error();
    return c;
}

Actor actor_of(const Peer& peer, const Params& params) {
    std::string via = "ipc";
    if (const auto* v = params.if_contains("client"); v && v->is_string()) {
        std::string_view c = v->as_string();
        if (c == "cli" || c == "tray") via = std::string(c);
    }
    return Actor{peer.user, std::move(via)};
}

std::optional<PassResult> evaluate_after_change(Context& context, std::string_view why) {
    auto result = context.pass.run(Scan::none);
    if (!result) {
        spdlog::error("evaluation ({}) failed: {}", why, result.error().message);
        if (context.notifier) context.notifier->evaluation_failed(why, result.error());
        return std::nullopt;
    }
    spdlog::debug("evaluation ({}) raised {} reminder(s)", why, result->raised.size());
    return std::move(*result);
}

Result<TimePoint> parse_instant_or_date(std::string_view text) {
    if (text.size() == 10) {
        auto d = parse_date(text);
        if (!d) return d.error();
        return local_midnight(*d);
    }
    return parse_utc(text);
}

}  // namespace credwatch::api
