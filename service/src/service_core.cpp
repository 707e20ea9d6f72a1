#include "service_core.hpp"

#include "credwatch/certs/cert_store.hpp"
#include "credwatch/notify/event_ids.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/domain/matching.hpp"
#include "credwatch/domain/reminders.hpp"
#include "credwatch/domain/rules.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace credwatch {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto kWatchdogPeriod = 60s;
// A wall clock that moved this much further than the monotonic clock has jumped.
constexpr auto kJumpTolerance = 120s;

std::string via_of(const json::object& params) {
    if (const auto* v = params.if_contains("client"); v && v->is_string()) {
        std::string_view c = v->as_string();
        if (c == "cli" || c == "tray") return std::string(c);
    }
    return "ipc";
}

// An integer parameter that must fit a count of days or issuances.
Result<std::optional<int>> small_int(const json::object& params, std::string_view key, int min, int max) {
    auto v = protocol::optional_int(params, key);
    if (!v) return v.error();
    if (!*v) return std::optional<int>{};
    if (**v < min || **v > max)
        return make_error(Errc::invalid_argument,
                          fmt::format("parameter \"{}\" must be between {} and {}", key, min, max));
    return std::optional<int>{static_cast<int>(**v)};
}

Result<TimePoint> parse_instant_or_date(std::string_view text) {
    if (text.size() == 10) {
        auto d = parse_date(text);
        if (!d) return d.error();
        return local_midnight(*d);
    }
    return parse_utc(text);
}

}  // namespace

ServiceCore::ServiceCore(boost::asio::io_context& io, ServiceOptions options, const Clock& clock)
    : io_(io),
      options_(std::move(options)),
      clock_(clock),
      evaluation_timer_(io),
      watchdog_timer_(io) {}

ServiceCore::~ServiceCore() { stop(); }

void ServiceCore::add_reminder_listener(std::function<void(const RaisedReminder&)> listener) {
    listeners_.push_back(std::move(listener));
}

void ServiceCore::print(const std::string& text) {
    if (options_.console) {
        *options_.console << text;
        options_.console->flush();
    }
}

Status ServiceCore::start() {
    std::error_code ec;
    std::filesystem::create_directories(options_.data_dir, ec);
    if (ec)
        return make_error(Errc::io_error, fmt::format("cannot create the data directory {}: {}",
                                                      options_.data_dir.string(), ec.message()));
    if (auto st = platform::restrict_data_directory(options_.data_dir); !st) return st;
    auto lock = platform::InstanceLock::acquire(options_.data_dir);
    if (!lock) return lock.error();
    lock_ = std::move(*lock);

    if (options_.site_file.empty() && std::filesystem::exists(options_.data_dir / "site.toml"))
        options_.site_file = options_.data_dir / "site.toml";
    auto config = load_configuration(options_.catalog_file, options_.site_file);
    if (!config) return config.error();
    config_ = std::make_unique<Configuration>(std::move(*config));
    lang_ = resolve_language(config_->service.language);
    for (const auto& source : config_->sources) spdlog::info("configuration: {}", source);

    auto store = Store::open(options_.data_dir / "credwatch.db", clock_);
    if (!store) return store.error();
    store_ = std::move(*store);
    notifier_ = std::make_unique<Notifier>(
        io_, *store_, clock_, options_.system_log ? options_.system_log : make_system_log());
    notifier_->configure(*config_);

    if (auto st = seed_configured_credentials(); !st) return st;

    auto raised = evaluate_now();
    if (!raised) return raised.error();
    auto rows = rows_at(clock_.now());
    if (!rows) return rows.error();
    print(format_status_table(*rows, lang_));
    if (raised->empty()) print(lang_ == Lang::ja ? "新しいリマインダーはありません。\n"
                                                 : "No new reminders.\n");

    IpcServerOptions ipc_options{platform::ipc_endpoint(options_.data_dir),
                                 config_->service.socket_group};
    auto server = start_ipc_server(io_, ipc_options,
                                   [this](std::string_view line, const Peer& peer) {
                                       return handle_line(line, peer);
                                   });
    if (!server) return server.error();
    ipc_ = std::move(*server);
    spdlog::info("listening on {}", ipc_options.endpoint);

    last_wall_ = clock_.now();
    last_steady_ = std::chrono::steady_clock::now();
    last_date_ = local_date(last_wall_);
    schedule_evaluation();
    schedule_watchdog();
    return {};
}

void ServiceCore::stop() {
    evaluation_timer_.cancel();
    watchdog_timer_.cancel();
    if (notifier_) notifier_->stop();
    if (ipc_) ipc_->close();
}

Status ServiceCore::reload() {
    auto config = load_configuration(options_.catalog_file, options_.site_file);
    if (!config) {
        spdlog::error("reload refused, keeping the running configuration: {}", config.error().message);
        return config.error();
    }
    config_ = std::make_unique<Configuration>(std::move(*config));
    lang_ = resolve_language(config_->service.language);
    spdlog::info("configuration reloaded");
    if (notifier_) notifier_->configure(*config_);
    if (auto st = seed_configured_credentials(); !st) return st;
    run_evaluation("reload");
    return {};
}

void ServiceCore::on_time_change(std::string_view why) {
    last_wall_ = clock_.now();
    last_steady_ = std::chrono::steady_clock::now();
    last_date_ = local_date(last_wall_);
    run_evaluation(why);
}

void ServiceCore::schedule_evaluation() {
    auto period = std::chrono::minutes(std::max(1, config_->service.evaluate_every_minutes));
    evaluation_timer_.expires_after(period);
    evaluation_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        run_evaluation("periodic");
        schedule_evaluation();
    });
}

// Once a minute: notice a wall clock that jumped and a new local day, without polling work.
void ServiceCore::schedule_watchdog() {
    watchdog_timer_.expires_after(kWatchdogPeriod);
    watchdog_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        TimePoint wall = clock_.now();
        auto steady = std::chrono::steady_clock::now();
        auto drift = (wall - last_wall_) - (steady - last_steady_);
        Date today = local_date(wall);
        last_wall_ = wall;
        last_steady_ = steady;
        if (drift > kJumpTolerance || drift < -kJumpTolerance) {
            spdlog::warn("the wall clock jumped by {} s", std::chrono::duration_cast<std::chrono::seconds>(drift).count());
            last_date_ = today;
            run_evaluation("clock jump");
        } else if (today != last_date_) {
            last_date_ = today;
            run_evaluation("new day");
        }
        schedule_watchdog();
    });
}

void ServiceCore::run_evaluation(std::string_view why) {
    auto raised = evaluate_now();
    if (!raised) {
        spdlog::error("evaluation ({}) failed: {}", why, raised.error().message);
        if (notifier_) {
            const Errc code = raised.error().code;
            notifier_->failure(
                code == Errc::database_error || code == Errc::database_locked
                    ? events::kDatabaseError
                    : events::kEvaluationFailed,
                fmt::format("evaluation ({}) failed: {}", why, raised.error().message));
        }
        return;
    }
    spdlog::debug("evaluation ({}) raised {} reminder(s)", why, raised->size());
}

Status ServiceCore::seed_configured_credentials() {
    Actor actor{platform::current_user(), "config"};
    for (const auto& credential : config_->credentials) {
        auto removed = store_->is_removed(credential.id);
        if (!removed) return removed.error();
        if (*removed) continue;
        auto existing = store_->credential(credential.id);
        if (existing) continue;
        if (existing.error().code != Errc::not_found) return existing.error();
        if (auto st = store_->add_credential(credential, actor); !st) return st;
        spdlog::info("tracking {} from the site configuration", credential.id);
    }
    return {};
}

Status ServiceCore::scan_certificate_folders() {
    std::vector<std::filesystem::path> folders;
    for (const auto& f : config_->service.certificate_folders) folders.push_back(platform::from_utf8(f));
    ScanResult result = folders.empty() ? ScanResult{} : scanner_.scan(folders, "machine");
    for (const auto& failure : result.failures)
        spdlog::warn("certificate file {}: {}", failure.location, failure.error);
    if (auto st = replace_inventory("machine-folders", result); !st) return st;
    if constexpr (kHasSystemCertificateStores) {
        // Windows: LocalMachine\My, Root and CA (the users' own stores come from the tray).
        auto stores = scan_machine_stores();
        if (!stores) return stores.error();
        if (auto st = replace_inventory("store:LocalMachine", *stores); !st) return st;
    }
    return {};
}

Status ServiceCore::replace_inventory(const std::string& source, const ScanResult& scan) {
    if (auto st = store_->replace_inventory(source, scan); !st) return st;
    // A file that stays broken is written once, not at every rescan (a folder with a corrupt
    // file must not flood the log); one that was fixed and breaks again is written again.
    auto& written = unreadable_[source];
    std::set<std::pair<std::string, std::string>> failing;
    for (const auto& failure : scan.failures) {
        // The scanner's reason starts with the location, which the event has on its own.
        std::string_view reason = failure.error;
        if (reason.starts_with(failure.location) &&
            reason.substr(failure.location.size()).starts_with(": "))
            reason.remove_prefix(failure.location.size() + 2);
        auto key = std::pair(failure.location, std::string(reason));
        if (!written.contains(key) && !failing.contains(key) && notifier_)
            notifier_->certificate_unreadable(key.first, key.second);
        failing.insert(std::move(key));
    }
    if (failing.empty())
        unreadable_.erase(source);
    else
        written = std::move(failing);
    return {};
}

Status ServiceCore::match_certificates() {
    auto inventory = store_->inventory();
    if (!inventory) return inventory.error();
    auto credentials = store_->credentials();
    if (!credentials) return credentials.error();
    Actor actor{platform::current_user(), "service"};
    for (const auto& c : *credentials) {
        const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
        if (!kind) continue;
        if (kind->rule == Rule::certificate_validity) {
            auto best = best_match(c, *kind, *inventory);
            bool same = best ? best->info.sha256 == c.certificate_sha256 : c.certificate_sha256.empty();
            if (!same)
                if (auto st = store_->bind_certificate(c.id, best, actor); !st) return st;
        } else if (kind->rule == Rule::issuance_quota && !kind->counts_kind.empty()) {
            // Issued certificates seen on this machine are a floor for the count.
            const CredentialKind* cert_kind = config_->catalog.kind(c.system, kind->counts_kind);
            if (!cert_kind) continue;
            Credential probe = c;
            int seen = count_matching(probe, *cert_kind, *inventory);
            if (seen > c.issued)
                if (auto st = store_->set_issued(c.id, seen, actor); !st) return st.error();
        } else if (kind->rule == Rule::document_age && !c.document_path.empty()) {
            auto mtime = platform::modification_time(platform::from_utf8(c.document_path));
            if (!mtime) continue;  // not downloaded yet: the credential stays "to record"
            Date obtained = local_date(*mtime);
            if (!c.renewed_on || *c.renewed_on < obtained)
                if (auto st = store_->record_renewal(c.id, obtained, actor); !st) return st;
        }
    }
    return {};
}

std::vector<Procedure> ServiceCore::procedures_of(const CredentialKind* kind) const {
    std::vector<Procedure> out;
    if (!kind) return out;
    for (const auto& id : kind->procedures)
        if (const Procedure* p = config_->catalog.procedure(id)) out.push_back(*p);
    return out;
}

Result<std::vector<RaisedReminder>> ServiceCore::evaluate_now() {
    if (auto st = scan_certificate_folders(); !st) return st.error();
    if (auto st = match_certificates(); !st) return st.error();
    auto credentials = store_->credentials();
    if (!credentials) return credentials.error();
    TimePoint now = clock_.now();
    Date today = local_date(now);
    std::vector<DueReminder> due;
    // What the mail of each new reminder is rendered from (inside the raise transaction).
    struct MailContext {
        StatusRow row;
        const CredentialKind* kind;
    };
    std::map<std::string, MailContext> mail_context;
    int worst = -1;
    for (const auto& c : *credentials) {
        const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
        if (!kind) {
            spdlog::warn("credential {} has kind {}/{} which the catalog no longer has", c.id, c.system, c.kind);
            continue;
        }
        Evaluation e = evaluate(c, *kind, now);
        worst = std::max(worst, severity(e.state));
        auto fired = store_->fired_keys(c.id, c.generation);
        if (!fired) return fired.error();
        if (auto d = due_reminder(c, *kind, e, today, *fired)) {
            mail_context[c.id] = {make_status_row(c, config_->catalog.system(c.system), kind, e), kind};
            due.push_back(std::move(*d));
        }
    }
    auto raised = store_->raise(due, [&](const Reminder& r) -> std::optional<OutboxMessage> {
        auto it = mail_context.find(r.credential_id);
        if (!notifier_ || it == mail_context.end()) return std::nullopt;
        return notifier_->render(r, it->second.row, procedures_of(it->second.kind),
                                 it->second.kind->rule);
    });
    if (!raised) return raised.error();

    std::vector<RaisedReminder> out;
    for (const auto& r : *raised) {
        auto c = store_->credential(r.credential_id);
        if (!c) continue;
        const CredentialKind* kind = config_->catalog.kind(c->system, c->kind);
        StatusRow row = make_status_row(*c, config_->catalog.system(c->system), kind,
                                        kind ? evaluate(*c, *kind, now) : Evaluation{});
        RaisedReminder rr{r, row, reminder_text(r, row, procedures_of(kind), lang_, config_->service.organisation)};
        spdlog::warn("reminder {}: {}", r.id, rr.text.subject);
        print((lang_ == Lang::ja ? "リマインダー: " : "REMINDER: ") + rr.text.subject + "\n");
        if (ipc_) {
            json::object data = to_json(r);
            data["credential_row"] = to_json(row);
            data["subject"] = rr.text.subject;
            data["body"] = rr.text.body;
            ipc_->broadcast(protocol::serialize_event("reminder", std::move(data)));
        }
        if (notifier_) notifier_->reminder_raised(r, rr.text.subject);
        for (const auto& listener : listeners_) listener(rr);
        out.push_back(std::move(rr));
    }
    if (notifier_) {
        if (auto rows = rows_at(now)) notifier_->evaluated(*rows, now);  // metrics, e-mail
    }
    std::string worst_text = worst < 0 ? "none" : std::to_string(worst);
    if (ipc_ && worst_text != last_worst_)
        ipc_->broadcast(protocol::serialize_event("status-changed", json::object{{"severity", worst}}));
    last_worst_ = worst_text;
    return out;
}

Result<std::vector<StatusRow>> ServiceCore::rows_at(TimePoint at) {
    auto credentials = store_->credentials();
    if (!credentials) return credentials.error();
    std::vector<StatusRow> rows;
    for (const auto& c : *credentials) {
        const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
        Evaluation e;
        if (kind) {
            e = evaluate(c, *kind, at);
        } else {
            e.reason = "kind not in the catalog";
        }
        rows.push_back(make_status_row(c, config_->catalog.system(c.system), kind, e));
    }
    return rows;
}

HandlerReply ServiceCore::handle_line(std::string_view line, const Peer& peer) {
    json::value id;
    auto request = protocol::parse_request(line, id);
    if (!request) {
        spdlog::warn("malformed request from {}: {}", peer.user, request.error().message);
        return {protocol::serialize_error(id, request.error()), false};
    }
    auto result = dispatch(*request, peer);
    if (!result) {
        if (result.error().code == Errc::internal || result.error().code == Errc::database_error ||
            result.error().code == Errc::database_locked)
            spdlog::error("{} from {} failed: {}", request->method, peer.user, result.error().message);
        return {protocol::serialize_error(id, result.error()), false};
    }
    return {protocol::serialize_result(id, std::move(*result)), request->method == "subscribe"};
}

Result<json::value> ServiceCore::dispatch(const protocol::Request& request, const Peer& peer) {
    const auto& p = request.params;
    const std::string& m = request.method;
    if (m == "hello")
        return json::value(json::object{{"protocol", protocol::kVersion},
                                        {"service_version", CREDWATCH_VERSION},
                                        {"data_dir", platform::to_utf8(options_.data_dir)},
                                        {"user", peer.user},
                                        {"privileged", peer.privileged}});
    if (m == "status") return status(p);
    if (m == "list") {
        auto rows = rows_at(clock_.now());
        if (!rows) return rows.error();
        json::array out;
        for (const auto& r : *rows) out.push_back(to_json(r));
        return json::value(json::object{{"credentials", std::move(out)}});
    }
    if (m == "record_renewal") return record_renewal(p, peer);
    if (m == "record_issuance") return record_issuance(p, peer);
    if (m == "add") return add_credential(p, peer);
    if (m == "remove") return remove_credential(p, peer);
    if (m == "acknowledge") return acknowledge(p, peer);
    if (m == "snooze") return snooze(p, peer);
    if (m == "reminders") return reminders_json(p);
    if (m == "inventory") return inventory();
    if (m == "rescan") return rescan();
    if (m == "report_certificates") return report_certificates(p, peer);
    if (m == "bind") return bind(p, peer);
    if (m == "catalog") return catalog_json();
    if (m == "audit") return audit_json(p);
    if (m == "outbox" && notifier_) return notifier_->outbox_json(p);
    if (m == "send_test_mail" && notifier_) return notifier_->send_test_mail(peer);
    if (m == "subscribe") return json::value(json::object{{"subscribed", true}});
    if (m == "reload") {
        if (!peer.privileged)
            return make_error(Errc::permission_denied, "only an administrator may reload the configuration");
        if (auto st = reload(); !st) return st.error();
        return json::value(json::object{{"reloaded", true}});
    }
    return make_error(Errc::protocol_error, fmt::format("unknown method \"{}\"", m));
}

Result<json::value> ServiceCore::status(const json::object& params) {
    TimePoint at = clock_.now();
    auto at_text = protocol::optional_string(params, "at");
    if (!at_text) return at_text.error();
    if (*at_text) {
        auto parsed = parse_instant_or_date(**at_text);
        if (!parsed) return parsed.error();
        at = *parsed;
    }
    auto rows = rows_at(at);
    if (!rows) return rows.error();
    int worst = -1;
    json::array credentials;
    for (const auto& r : *rows) {
        worst = std::max(worst, severity(r.state));
        credentials.push_back(to_json(r));
    }
    auto active = store_->reminders(true);
    if (!active) return active.error();
    json::array reminders;
    for (const auto& r : *active) reminders.push_back(to_json(r));
    return json::value(json::object{{"now", format_utc(clock_.now())},
                                    {"at", format_utc(at)},
                                    {"severity", worst},
                                    {"credentials", std::move(credentials)},
                                    {"reminders", std::move(reminders)}});
}

Actor ServiceCore::actor_of(const Peer& peer, std::string_view via) const {
    return Actor{peer.user, std::string(via)};
}

Status ServiceCore::may_change(const Credential& c, const Peer& peer) const {
    if (peer.privileged || c.owner == "machine" || c.owner == peer.user) return {};
    return make_error(Errc::permission_denied,
                      fmt::format("{} belongs to user {}; {} may not change it", c.id, c.owner, peer.user));
}

Result<Credential> ServiceCore::changeable(std::string_view id, const Peer& peer) {
    auto c = store_->credential(id);
    if (!c) return c.error();
    if (auto st = may_change(*c, peer); !st) return st.error();
    return c;
}

Result<json::value> ServiceCore::record_renewal(const json::object& params, const Peer& peer) {
    auto id = protocol::required_string(params, "credential");
    if (!id) return id.error();
    auto c = changeable(*id, peer);
    if (!c) return c.error();
    const CredentialKind* kind = config_->catalog.kind(c->system, c->kind);
    if (!kind || (kind->rule != Rule::password_rotation && kind->rule != Rule::document_age))
        return make_error(Errc::invalid_argument,
                          fmt::format("{} is not a password or document: a change date cannot be recorded for it", *id));
    Date on = local_date(clock_.now());
    auto on_text = protocol::optional_string(params, "on");
    if (!on_text) return on_text.error();
    if (*on_text) {
        auto parsed = parse_date(**on_text);
        if (!parsed) return parsed.error();
        on = *parsed;
    }
    if (auto st = store_->record_renewal(*id, on, actor_of(peer, via_of(params))); !st) return st.error();
    run_evaluation("renewal recorded");
    auto updated = store_->credential(*id);
    if (!updated) return updated.error();
    return json::value(to_json(make_status_row(*updated, config_->catalog.system(updated->system), kind,
                                  evaluate(*updated, *kind, clock_.now()))));
}

Result<json::value> ServiceCore::record_issuance(const json::object& params, const Peer& peer) {
    auto id = protocol::required_string(params, "credential");
    if (!id) return id.error();
    auto c = changeable(*id, peer);
    if (!c) return c.error();
    const CredentialKind* kind = config_->catalog.kind(c->system, c->kind);
    if (!kind || kind->rule != Rule::issuance_quota)
        return make_error(Errc::invalid_argument, fmt::format("{} does not count issuances", *id));
    auto total = small_int(params, "total", 0, 1000);
    if (!total) return total.error();
    Actor actor = actor_of(peer, via_of(params));
    auto count = *total ? store_->set_issued(*id, **total, actor)
                        : store_->record_issuance(*id, actor);
    if (!count) return count.error();
    run_evaluation("issuance recorded");
    auto updated = store_->credential(*id);
    if (!updated) return updated.error();
    return json::value(to_json(make_status_row(*updated, config_->catalog.system(updated->system), kind,
                                  evaluate(*updated, *kind, clock_.now()))));
}

Result<json::value> ServiceCore::add_credential(const json::object& params, const Peer& peer) {
    Credential c;
    auto id = protocol::required_string(params, "credential");
    auto system = protocol::required_string(params, "system");
    auto kind = protocol::required_string(params, "kind");
    if (!id) return id.error();
    if (!system) return system.error();
    if (!kind) return kind.error();
    const CredentialKind* k = config_->catalog.kind(*system, *kind);
    if (!k)
        return make_error(Errc::invalid_argument,
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
    if (auto st = store_->add_credential(c, actor_of(peer, via_of(params))); !st) return st.error();
    run_evaluation("credential added");
    auto added = store_->credential(c.id);
    if (!added) return added.error();
    return json::value(to_json(make_status_row(*added, config_->catalog.system(c.system), k, evaluate(*added, *k, clock_.now()))));
}

Result<json::value> ServiceCore::remove_credential(const json::object& params, const Peer& peer) {
    auto id = protocol::required_string(params, "credential");
    if (!id) return id.error();
    auto c = changeable(*id, peer);
    if (!c) return c.error();
    if (auto st = store_->remove_credential(*id, actor_of(peer, via_of(params))); !st) return st.error();
    return json::value(json::object{{"removed", *id}});
}

Result<json::value> ServiceCore::acknowledge(const json::object& params, const Peer& peer) {
    auto id = protocol::required_int(params, "reminder");
    if (!id) return id.error();
    auto r = store_->reminder(*id);
    if (!r) return r.error();
    if (auto c = changeable(r->credential_id, peer); !c) return c.error();
    if (auto st = store_->acknowledge(*id, actor_of(peer, via_of(params))); !st) return st.error();
    auto updated = store_->reminder(*id);
    if (!updated) return updated.error();
    return json::value(to_json(*updated));
}

Result<json::value> ServiceCore::snooze(const json::object& params, const Peer& peer) {
    auto id = protocol::required_int(params, "reminder");
    if (!id) return id.error();
    auto r = store_->reminder(*id);
    if (!r) return r.error();
    if (auto c = changeable(r->credential_id, peer); !c) return c.error();
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
        if (d <= 0 || d > 365) return make_error(Errc::invalid_argument, "days must be between 1 and 365");
        until = clock_.now() + std::chrono::hours(24 * d);
    }
    if (until <= clock_.now()) return make_error(Errc::invalid_argument, "a snooze must end in the future");
    if (auto st = store_->snooze(*id, until, actor_of(peer, via_of(params))); !st) return st.error();
    auto updated = store_->reminder(*id);
    if (!updated) return updated.error();
    return json::value(to_json(*updated));
}

Result<json::value> ServiceCore::reminders_json(const json::object& params) {
    bool all = false;
    if (const auto* v = params.if_contains("all"); v && v->is_bool()) all = v->as_bool();
    auto list = store_->reminders(!all);
    if (!list) return list.error();
    json::array out;
    for (const auto& r : *list) out.push_back(to_json(r));
    return json::value(json::object{{"reminders", std::move(out)}});
}

Result<json::value> ServiceCore::inventory() {
    auto entries = store_->inventory();
    if (!entries) return entries.error();
    auto failures = store_->inventory_failures();
    if (!failures) return failures.error();
    json::array certs, errors;
    for (const auto& e : *entries) certs.push_back(to_json(e));
    for (const auto& f : *failures) errors.push_back(to_json(f));
    return json::value(json::object{{"certificates", std::move(certs)}, {"failures", std::move(errors)}});
}

Result<json::value> ServiceCore::rescan() {
    auto raised = evaluate_now();
    if (!raised) return raised.error();
    auto entries = store_->inventory();
    if (!entries) return entries.error();
    auto failures = store_->inventory_failures();
    if (!failures) return failures.error();
    return json::value(json::object{{"certificates", entries->size()},
                                    {"failures", failures->size()},
                                    {"reminders_raised", raised->size()}});
}

Result<json::value> ServiceCore::report_certificates(const json::object& params, const Peer& peer) {
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
    if (auto st = store_->replace_inventory("user:" + peer.user, scan); !st) return st.error();
    if (auto st = match_certificates(); !st) return st.error();
    run_evaluation("certificates reported");
    return json::value(json::object{{"accepted", scan.certificates.size()}, {"owner", peer.user}});
}

Result<json::value> ServiceCore::bind(const json::object& params, const Peer& peer) {
    auto sha = protocol::required_string(params, "sha256");
    auto id = protocol::required_string(params, "credential");
    if (!sha) return sha.error();
    if (!id) return id.error();
    auto c = changeable(*id, peer);
    if (!c) return c.error();
    if (auto st = store_->bind_inventory(*sha, *id, actor_of(peer, via_of(params))); !st) return st.error();
    if (auto st = match_certificates(); !st) return st.error();
    run_evaluation("certificate bound");
    return json::value(json::object{{"bound", *sha}, {"credential", *id}});
}

Result<json::value> ServiceCore::catalog_json() {
    json::array systems;
    for (const auto& s : config_->catalog.systems) {
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
    for (const auto& p : config_->catalog.procedures) procedures.push_back(to_json(p));
    return json::value(json::object{{"systems", std::move(systems)},
                                    {"procedures", std::move(procedures)},
                                    {"organisation", config_->service.organisation}});
}

Result<json::value> ServiceCore::audit_json(const json::object& params) {
    auto limit = protocol::optional_int(params, "limit");
    if (!limit) return limit.error();
    auto entries = store_->audit(static_cast<std::size_t>(std::clamp<std::int64_t>(limit->value_or(100), 1, 10000)));
    if (!entries) return entries.error();
    json::array out;
    for (const auto& e : *entries) out.push_back(to_json(e));
    return json::value(json::object{{"audit", std::move(out)}});
}

}  // namespace credwatch
