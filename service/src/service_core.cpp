#include "service_core.hpp"

#include "api.hpp"

#include "credwatch/catalog/checks_config.hpp"
#include "credwatch/ipc/protocol.hpp"
#include "credwatch/notify/text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace credwatch {

namespace json = boost::json;

namespace {

RecoveryOptions recovery_options(const Configuration& config, const ServiceOptions& options) {
    RecoveryOptions r;
    r.allow_empty = options.recover_empty;
    // As configured: the store resolves it against the database's folder (backup_folder_for).
    r.store.backup_folder = platform::from_utf8(config.backup.folder);
    return r;
}

}  // namespace

ServiceCore::ServiceCore(boost::asio::io_context& io, ServiceOptions options, const Clock& clock)
    : io_(io),
      options_(std::move(options)),
      clock_(clock),
      evaluation_timer_(io),
      watchdog_(io, clock, [this](std::string_view why) { run_evaluation(why); }) {}

ServiceCore::~ServiceCore() {
    stop();
}

void ServiceCore::add_reminder_listener(std::function<void(const RaisedReminder&)> listener) {
    listeners_.push_back(std::move(listener));
}

void ServiceCore::print(const std::string& text) {
    if (options_.console) {
        *options_.console << text;
        options_.console->flush();
    }
}

void ServiceCore::configure_parts() {
    lang_ = resolve_language(config_->service.language);
    if (notifier_) notifier_->configure(*config_);
    if (pass_) pass_->configure(*config_, lang_);
    if (store_maintenance_) store_maintenance_->configure(config_->backup);
    if (check_runs_)
        check_runs_->configure(*config_, {config_->checks, config_->check_runs}, lang_);
}

void ServiceCore::start_maintenance(const RecoveryReport& recovery) {
    maintenance_ = std::make_unique<Maintenance>(io_, clock_);
    store_maintenance_ = std::make_unique<StoreMaintenance>(
        *maintenance_, clock_, options_.data_dir / "credwatch.db", *notifier_, store_health_);
    store_maintenance_->configure(config_->backup);
    store_maintenance_->report_start(recovery);
    // Old audit, reminder and sent-mail rows (site.toml [retention]), in small transactions.
    maintenance_->add_daily_task("retention", [this] {
        const auto& r = config_->retention;
        RetentionPolicy policy;
        policy.audit_years = r.audit_years;
        policy.reminders_years = r.reminders_years;
        policy.outbox_years = r.outbox_years;
        auto pruned = store_->prune_expired(policy, clock_.now());
        if (!pruned)
            spdlog::error("pruning old rows failed: {}", pruned.error().message);
        else if (pruned->audit + pruned->reminders + pruned->outbox > 0)
            spdlog::info("pruned {} audit, {} reminder and {} sent-mail rows past retention",
                         pruned->audit, pruned->reminders, pruned->outbox);
    });
    maintenance_->start();
}

Status ServiceCore::start() {
    // Created and restricted in one step: no moment where another user could put a file in it.
    if (auto st = platform::restrict_data_directory(options_.data_dir); !st) return st;
    auto lock = platform::InstanceLock::acquire(options_.data_dir);
    if (!lock) return lock.error();
    lock_ = std::move(*lock);

    if (options_.site_file.empty() && std::filesystem::exists(options_.data_dir / "site.toml"))
        options_.site_file = options_.data_dir / "site.toml";
    auto config = load_configuration(options_.catalog_file, options_.site_file);
    if (!config) return config.error();
    config_ = std::make_unique<Configuration>(std::move(*config));
    for (const auto& source : config_->sources) spdlog::info("configuration: {}", source);

    auto opened = open_store_with_recovery(options_.data_dir / "credwatch.db", clock_,
                                           recovery_options(*config_, options_));
    if (!opened) return opened.error();
    store_ = std::move(opened->store);
    notifier_ = std::make_unique<Notifier>(
        io_, *store_, clock_, options_.system_log ? options_.system_log : make_system_log());
    pass_ =
        std::make_unique<EvaluationPass>(io_, *store_, clock_, notifier_.get(), options_.console);
    pass_->add_listener([this](const RaisedReminder& raised) {
        for (const auto& listener : listeners_) listener(raised);
    });
    configure_parts();
    start_maintenance(opened->report);
    check_runs_ = std::make_unique<CheckRuns>(io_, *store_, clock_, *maintenance_, notifier_.get(),
                                              options_.environment);
    check_runs_->configure(*config_, {config_->checks, config_->check_runs}, lang_);

    if (auto st = seed_configured_credentials(); !st) return st;

    auto first = pass_->run(Scan::folders);
    if (!first) return first.error();
    print(format_status_table(first->rows, lang_));
    if (first->raised.empty())
        print(lang_ == Lang::ja ? "新しいリマインダーはありません。\n" : "No new reminders.\n");

    IpcServerOptions ipc_options{platform::ipc_endpoint(options_.data_dir),
                                 config_->service.socket_group};
    auto server = start_ipc_server(
        io_, ipc_options,
        [this](std::string_view line, const Peer& peer) { return handle_line(line, peer); });
    if (!server) return server.error();
    ipc_ = std::move(*server);
    pass_->set_ipc(ipc_.get());
    check_runs_->set_ipc(ipc_.get());
    spdlog::info("listening on {}", ipc_options.endpoint);
    if (auto st = check_runs_->start(); !st) return st;

    schedule_evaluation();
    watchdog_.start();
    return {};
}

void ServiceCore::stop() {
    evaluation_timer_.cancel();
    watchdog_.stop();
    if (check_runs_) check_runs_->stop();
    if (maintenance_) maintenance_->stop();
    if (notifier_) notifier_->stop();
    if (ipc_) ipc_->close();
}

Result<bool> ServiceCore::edit_site(const SiteEdits& edits) {
    const auto file =
        options_.site_file.empty() ? options_.data_dir / "site.toml" : options_.site_file;
    auto changed = edit_site_file(file, edits, options_.catalog_file);
    if (!changed) return changed.error();
    options_.site_file = file;  // from the bundled file to DATA_DIR/site.toml, for the reload
    return *changed;
}

Status ServiceCore::reload() {
    auto config = load_configuration(options_.catalog_file, options_.site_file);
    if (!config) {
        spdlog::error("reload refused, keeping the running configuration: {}",
                      config.error().message);
        return config.error();
    }
    config_ = std::make_unique<Configuration>(std::move(*config));
    spdlog::info("configuration reloaded");
    configure_parts();
    if (auto st = seed_configured_credentials(); !st) return st;
    run_evaluation("reload");
    return {};
}

void ServiceCore::on_time_change(std::string_view why) {
    watchdog_.reset();
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

void ServiceCore::run_evaluation(std::string_view why, Scan scan) {
    if (!pass_) return;
    pass_->run_async(scan, [this, why = std::string(why)](const Result<PassResult>& result) {
        if (!result) {
            spdlog::error("evaluation ({}) failed: {}", why, result.error().message);
            if (notifier_) notifier_->evaluation_failed(why, result.error());
            return;
        }
        spdlog::debug("evaluation ({}) raised {} reminder(s)", why, result->raised.size());
    });
}

Result<PassResult> ServiceCore::run_pass(Scan scan) {
    if (!pass_) return make_error(Errc::internal, "the service has not started");
    return pass_->run(scan);
}

Result<std::vector<RaisedReminder>> ServiceCore::evaluate_now() {
    auto result = run_pass(Scan::folders);
    if (!result) return result.error();
    return std::move(result->raised);
}

Status ServiceCore::seed_configured_credentials() {
    Actor actor{platform::current_user(), "config"};
    for (const auto& credential : config_->credentials) {
        if (!config_->service.uses_system(credential.system)) continue;  // [service] systems
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

namespace {

HandlerReply reply_line(const json::value& id, const protocol::Request& request, const Peer& peer,
                        Result<json::value> result) {
    if (!result) {
        if (result.error().code == Errc::internal || result.error().code == Errc::database_error ||
            result.error().code == Errc::database_locked)
            spdlog::error("{} from {} failed: {}", request.method, peer.user,
                          result.error().message);
        return {protocol::serialize_error(id, result.error()), false, {}};
    }
    return {protocol::serialize_result(id, std::move(*result)), request.method == "subscribe", {}};
}

}  // namespace

HandlerReply ServiceCore::handle_line(std::string_view line, const Peer& peer) {
    json::value id;
    auto request = protocol::parse_request(line, id);
    if (!request) {
        spdlog::warn("malformed request from {}: {}", peer.user, request.error().message);
        return {protocol::serialize_error(id, request.error()), false, {}};
    }
    Result<json::value> result = make_error(Errc::internal, "the service has not started");
    if (store_ && config_ && pass_) {
        api::Context context{*store_,
                             *config_,
                             clock_,
                             notifier_.get(),
                             *pass_,
                             options_.data_dir,
                             [this] { return reload(); },
                             {},
                             &store_health_,
                             store_maintenance_.get(),
                             [this](const SiteEdits& edits) { return edit_site(edits); },
                             check_runs_.get()};
        result = api::dispatch(context, *request, peer);
        if (context.deferred) {
            HandlerReply later;
            later.deferred = [deferred = std::move(context.deferred), id,
                              request = std::move(*request), peer](Responder respond) {
                deferred([respond = std::move(respond), id, request, peer](api::Reply reply) {
                    respond(reply_line(id, request, peer, std::move(reply)));
                });
            };
            return later;
        }
    }
    return reply_line(id, *request, peer, std::move(result));
}

}  // namespace credwatch
