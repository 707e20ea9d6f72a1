#pragma once
// The service's own runs of the machine-level checks (docs/doctor.md, "In the service"): every
// kind but credential_present and certificate_present (those belong to a user's session: the
// tray and `credwatch checks --report` run them there and report them), of the systems the site
// uses. A run starts `first_run_after_minutes` after start, then every
// `every_hours` (judged on the injected Clock), after a network change (debounced) and on
// request (at most one per 30 s). The checks block on DNS, TCP and SNTP up to their timeouts:
// they run on the maintenance worker; the results come back to the io thread, where they are
// stored, compared with the last ones and published. A check that starts failing is one
// reminder per episode: system log, mail, pushed event; its gauge is in the metrics file.

#include "ipc_server.hpp"
#include "maintenance.hpp"
#include "network_watch.hpp"
#include "notifier.hpp"

#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/catalog/checks_config.hpp"
#include "credwatch/checks/checks.hpp"
#include "credwatch/store/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace credwatch {

// A check the service runs and its latest result (none before its first run); or a session
// check and the latest result one user reported (record->user).
struct ServiceCheck {
    CheckDefinition check;
    std::optional<CheckRecord> record;
};

// "checks" and "run_checks" replies and the pushed events (docs/ipc-protocol.md).
boost::json::object to_json(const ServiceCheck& check);

// Set to "off" in the environment of a service: no check runs, whatever site.toml says. The
// tests set it centrally (tests/CMakeLists.txt, tests/integration/cwtest.py, the scripts), so
// that no test sends a packet beyond loopback.
inline constexpr std::string_view kServiceChecksVariable = "CREDWATCH_SERVICE_CHECKS";

class CheckRuns {
  public:
    CheckRuns(boost::asio::io_context& io, Store& store, const Clock& clock, Maintenance& worker,
              Notifier* notifier, checks::Environment environment);
    ~CheckRuns();
    CheckRuns(const CheckRuns&) = delete;
    CheckRuns& operator=(const CheckRuns&) = delete;

    // At start and after every reload.
    void configure(const Configuration& config, const CheckConfiguration& checks, Lang lang);
    // Reads the stored results, schedules the first run and listens for network changes.
    [[nodiscard]] Status start();
    void stop();
    void set_ipc(IpcServer* ipc) { ipc_ = ipc; }

    // Starts a run when one is due (the poll timer calls it; tests call it after moving the
    // clock).
    void run_if_due();
    // An address, link or route changed: a run once the network is quiet for the debounce.
    void network_changed();
    // "run_checks": a run now, `done(throttled)` after it on the io thread. Throttled (answered
    // at once) when a run started less than 30 s ago; joins a run in progress.
    void run_now(std::function<void(bool throttled)> done);
    // "report_checks": what `user` found in their own session. All or nothing: a result of a
    // check that is not a session check of the site, or one meant for another user's session,
    // refuses the report. The time is the service's. Returns how many were kept.
    struct ReportKept {
        std::size_t kept = 0;
        bool throttled = false;  // the user's last report is less than 5 s old: nothing kept
    };
    [[nodiscard]] Result<ReportKept> report(const std::string& user,
                                            const std::vector<SessionCheckResult>& results);

    bool enabled() const { return enabled_; }
    bool running() const { return running_; }
    const std::vector<ServiceCheck>& checks() const { return checks_; }
    // The session checks of the site's systems (a client runs them and reports).
    const std::vector<CheckDefinition>& session_checks() const { return session_checks_; }
    // The latest result of each session check per user that reported it.
    const std::vector<ServiceCheck>& reported() const { return reported_; }
    std::optional<TimePoint> last_run() const { return last_run_; }
    std::optional<TimePoint> next_run() const;
    // How many runs finished (tests wait for it).
    int runs_finished() const { return runs_finished_; }
    // The "checks" reply; with `only_user`, the session results of that user only (staff see
    // their own, administrators everybody's).
    boost::json::object to_json(const std::optional<std::string>& only_user = std::nullopt) const;

  private:
    void start_run(std::string why);
    void finish_run(std::vector<checks::CheckReport> reports);
    // The records of the checks still configured: the ones this process has, else the stored.
    void attach_known_records();
    // Each check whose episode began (true) or ended (false) with a result.
    using Changes = std::vector<std::pair<const ServiceCheck*, bool>>;
    void publish(const Changes& changes);
    // The gauges of every check with a result, into the metrics file.
    void write_metrics();
    void poll();
    // The poll timer and the network watch, once started and enabled.
    void arm();
    std::string system_name(std::string_view system, Lang lang) const;

    boost::asio::io_context& io_;
    Store& store_;
    const Clock& clock_;
    Maintenance& worker_;
    Notifier* notifier_;
    checks::Environment environment_;
    IpcServer* ipc_ = nullptr;
    const Configuration* config_ = nullptr;
    Lang lang_ = Lang::en;
    CheckRunSettings settings_;
    bool enabled_ = false;
    bool started_ = false;
    bool armed_ = false;
    std::vector<ServiceCheck> checks_;              // in catalog order
    std::vector<CheckDefinition> session_checks_;   // in catalog order
    std::vector<ServiceCheck> reported_;            // one per check and user
    std::map<std::string, TimePoint> last_report_;  // by user
    // The records of this process and those stored by an earlier one, by system, id and user:
    // what a reload or the start gives back to the checks still configured.
    std::map<std::tuple<std::string, std::string, std::string>, CheckRecord> known_;
    bool running_ = false;
    std::vector<std::function<void(bool)>> waiting_;
    std::optional<TimePoint> started_at_;  // when this process started
    std::optional<TimePoint> last_started_;
    std::optional<TimePoint> last_run_;
    int runs_finished_ = 0;
    boost::asio::steady_timer poll_timer_;
    boost::asio::steady_timer debounce_timer_;
    std::unique_ptr<NetworkWatch> network_;
    // Results of a run posted after stop() are dropped.
    std::shared_ptr<char> alive_ = std::make_shared<char>(0);
};

}  // namespace credwatch
