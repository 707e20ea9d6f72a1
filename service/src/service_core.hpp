#pragma once
// The service's work, independent of how it is started (systemd/console or the Windows SCM):
// the lifecycle (start, stop, reload) and the parts it owns: the configuration, the store, the
// channels (Notifier), the evaluation pass, the clock watchdog, the IPC server and its request
// table (service/api/). Everything runs on one io_context thread.

#include "clock_watchdog.hpp"
#include "evaluation_pass.hpp"
#include "ipc_server.hpp"
#include "notifier.hpp"

#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
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
    // A wall-clock change (SCM time change, resume, detected jump): evaluate at once.
    void on_time_change(std::string_view why);

    // Answer one request line from a peer (also used directly by tests).
    HandlerReply handle_line(std::string_view line, const Peer& peer);

    // Scan, match certificates and evaluate every credential; raises and returns new reminders.
    [[nodiscard]] Result<std::vector<RaisedReminder>> evaluate_now();
    // One pass, with or without the folder scan, and everything it published.
    [[nodiscard]] Result<PassResult> run_pass(Scan scan);

    const Configuration& configuration() const { return *config_; }
    Store& store() { return *store_; }

    // Called for every newly raised reminder (e-mail, event log, ...), after it is persisted.
    void add_reminder_listener(std::function<void(const RaisedReminder&)> listener);

  private:
    [[nodiscard]] Status seed_configured_credentials();
    void configure_parts();
    void print(const std::string& text);
    void schedule_evaluation();
    void schedule_retention(std::chrono::steady_clock::duration after);  // prune_expired daily
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
    boost::asio::steady_timer evaluation_timer_;
    boost::asio::steady_timer retention_timer_;
    ClockWatchdog watchdog_;
    Lang lang_ = Lang::en;
    std::vector<std::function<void(const RaisedReminder&)>> listeners_;
};

}  // namespace credwatch
