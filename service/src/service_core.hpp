#pragma once
// The service's work, independent of how it is started (systemd/console or the Windows SCM):
// the lifecycle (start, stop, reload) and the parts it owns: the configuration, the store, the
// channels (Notifier), the evaluation pass, the clock watchdog, the IPC server and its request
// table (service/api/). Everything runs on one io_context thread, except the folder scans of
// periodic, reload, clock and rescan passes, which run on the pass's worker thread.

#include "check_runs.hpp"
#include "clock_watchdog.hpp"
#include "evaluation_pass.hpp"
#include "ipc_server.hpp"
#include "maintenance.hpp"
#include "notifier.hpp"

#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/catalog/site_edit.hpp"
#include "credwatch/platform/platform.hpp"
#include "credwatch/store/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

namespace credwatch {

struct ServiceOptions {
    std::filesystem::path data_dir;
    std::filesystem::path catalog_file;  // empty: the embedded catalog
    std::filesystem::path site_file;     // empty: data_dir/site.toml if present, else embedded
    std::ostream* console = nullptr;     // where status and reminders are printed (foreground runs)
    std::shared_ptr<SystemLog> system_log;  // null: the platform's (syslog / Windows event log)
    // --recover-empty: a damaged database without a good backup is moved aside and the
    // service starts on an empty ledger.
    bool recover_empty = false;
    // What the checks see of the environment (proxy variables, CREDWATCH_SERVICE_CHECKS).
    checks::Environment environment = checks::process_environment();
};

class ServiceCore {
  public:
    ServiceCore(boost::asio::io_context& io, ServiceOptions options, const Clock& clock);
    ~ServiceCore();
    ServiceCore(const ServiceCore&) = delete;
    ServiceCore& operator=(const ServiceCore&) = delete;

    // Locks the data directory, loads and validates the configuration, opens the store,
    // scans, evaluates, and starts listening. The service is "ready" when this returns.
    [[nodiscard]] Status start();
    void stop();
    // SIGHUP / PARAMCHANGE: reload the configuration; on error keep the running one.
    [[nodiscard]] Status reload();
    // The site file's edit for set_systems (the one `configure --set` makes).
    [[nodiscard]] Result<bool> edit_site(const SiteEdits& edits);
    // A wall-clock change (SCM time change, resume, detected jump): evaluate at once.
    void on_time_change(std::string_view why);

    // Answer one request line from a peer (also used directly by tests).
    HandlerReply handle_line(std::string_view line, const Peer& peer);

    // Scan, match certificates and evaluate every credential; raises and returns new reminders.
    [[nodiscard]] Result<std::vector<RaisedReminder>> evaluate_now();
    // One pass, with or without the folder scan, and everything it published.
    [[nodiscard]] Result<PassResult> run_pass(Scan scan);

    // Whether a folder scan is running on the worker thread (its pass ends on the io thread).
    bool scan_in_flight() const { return pass_ && pass_->scan_in_flight(); }
    std::size_t queued_scan_requests() const { return pass_ ? pass_->queued_scan_requests() : 0; }
    // Tests: called on the scanning thread before every scan, after start().
    void set_scan_hook(std::function<void()> hook) {
        if (pass_) pass_->set_scan_hook(std::move(hook));
    }

    const Configuration& configuration() const { return *config_; }
    Store& store() { return *store_; }

    // The service's runs of the machine-level checks (null before start()).
    CheckRuns* check_runs() { return check_runs_.get(); }

    // Called for every newly raised reminder (e-mail, event log, ...), after it is persisted.
    void add_reminder_listener(std::function<void(const RaisedReminder&)> listener);

  private:
    [[nodiscard]] Status seed_configured_credentials();
    void configure_parts();
    void print(const std::string& text);
    // The daily integrity check and backup; reports a recovery done at start.
    void start_maintenance(const RecoveryReport& recovery);
    void schedule_evaluation();
    // A pass whose failure is logged (timers, reload, clock changes).
    void run_evaluation(std::string_view why, Scan scan = Scan::folders);

    boost::asio::io_context& io_;
    ServiceOptions options_;
    const Clock& clock_;
    std::unique_ptr<platform::InstanceLock> lock_;
    std::unique_ptr<Configuration> config_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<Notifier> notifier_;  // e-mail, system log, metrics; uses store_
    std::unique_ptr<EvaluationPass> pass_;
    std::unique_ptr<IpcServer> ipc_;
    StoreHealth store_health_;
    std::unique_ptr<Maintenance> maintenance_;
    std::unique_ptr<StoreMaintenance> store_maintenance_;
    std::unique_ptr<CheckRuns> check_runs_;
    boost::asio::steady_timer evaluation_timer_;
    ClockWatchdog watchdog_;
    Lang lang_ = Lang::en;
    std::vector<std::function<void(const RaisedReminder&)>> listeners_;
};

}  // namespace credwatch
