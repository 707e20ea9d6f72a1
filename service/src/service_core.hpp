#pragma once
// The service's work, independent of how it is started (systemd/console or the Windows SCM):
// load the configuration, keep the store, scan certificates, evaluate deadlines, raise
// reminders and answer IPC requests. Everything runs on one io_context thread.

#include "ipc_server.hpp"
#include "notifier.hpp"

#include "credwatch/catalog/catalog.hpp"
#include "credwatch/certs/certificate.hpp"
#include "credwatch/base/clock.hpp"
#include "credwatch/platform/platform.hpp"
#include "credwatch/ipc/protocol.hpp"
#include "credwatch/store/store.hpp"
#include "credwatch/notify/text.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace credwatch {

struct ServiceOptions {
    std::filesystem::path data_dir;
    std::filesystem::path catalog_file;  // empty: the embedded catalog
    std::filesystem::path site_file;     // empty: data_dir/site.toml if present, else embedded
    std::ostream* console = nullptr;     // where status and reminders are printed (foreground runs)
    std::shared_ptr<SystemLog> system_log;  // null: the platform's (syslog / Windows event log)
};

// Raised reminders, with the text a person reads.
struct RaisedReminder {
    Reminder reminder;
    StatusRow row;
    ReminderText text;
};

class ServiceCore {
public:
    ServiceCore(boost::asio::io_context& io, ServiceOptions options, const Clock& clock);
    ~ServiceCore();
    ServiceCore(const ServiceCore&) = delete;
    ServiceCore& operator=(const ServiceCore&) = delete;

    // Locks the data directory, loads and validates the configuration, opens the store,
    // scans, evaluates, and starts listening. The service is "ready" when this returns.
    Status start();
    void stop();
    // SIGHUP / PARAMCHANGE: reload the configuration; on error keep the running one.
    Status reload();
    // A wall-clock change (SCM time change, resume, detected jump): evaluate at once.
    void on_time_change(std::string_view why);

    // Answer one request line from a peer (also used directly by tests).
    HandlerReply handle_line(std::string_view line, const Peer& peer);

    // Scan, match certificates and evaluate every credential; raises and returns new reminders.
    Result<std::vector<RaisedReminder>> evaluate_now();

    const Configuration& configuration() const { return *config_; }
    Store& store() { return *store_; }

    // Called for every newly raised reminder (e-mail, event log, ...), after it is persisted.
    void add_reminder_listener(std::function<void(const RaisedReminder&)> listener);

private:
    Result<boost::json::value> dispatch(const protocol::Request& request, const Peer& peer);
    Result<boost::json::value> status(const boost::json::object& params);
    Result<std::vector<StatusRow>> rows_at(TimePoint at);
    Result<boost::json::value> record_renewal(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> record_issuance(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> add_credential(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> remove_credential(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> acknowledge(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> snooze(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> inventory();
    Result<boost::json::value> rescan();
    Result<boost::json::value> report_certificates(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> bind(const boost::json::object& params, const Peer& peer);
    Result<boost::json::value> catalog_json();
    Result<boost::json::value> reminders_json(const boost::json::object& params);
    Result<boost::json::value> audit_json(const boost::json::object& params);

    Status may_change(const Credential& credential, const Peer& peer) const;
    Result<Credential> changeable(std::string_view id, const Peer& peer);
    Status seed_configured_credentials();
    Status scan_certificate_folders();
    // Stores the certificates of one inventory source (what a scan or a tray found) and writes
    // 1103 to the system log for each certificate of it that newly cannot be read.
    Status replace_inventory(const std::string& source, const ScanResult& scan);
    Status match_certificates();
    std::vector<Procedure> procedures_of(const CredentialKind* kind) const;
    Actor actor_of(const Peer& peer, std::string_view via) const;
    void print(const std::string& text);
    void schedule_evaluation();
    void schedule_watchdog();
    void run_evaluation(std::string_view why);

    boost::asio::io_context& io_;
    ServiceOptions options_;
    const Clock& clock_;
    std::unique_ptr<platform::InstanceLock> lock_;
    std::unique_ptr<Configuration> config_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<Notifier> notifier_;  // e-mail, system log, metrics; uses store_
    CertificateScanner scanner_;
    std::unique_ptr<IpcServer> ipc_;
    boost::asio::steady_timer evaluation_timer_;
    boost::asio::steady_timer watchdog_timer_;
    // For detecting wall-clock jumps and local date changes between watchdog ticks.
    TimePoint last_wall_;
    std::chrono::steady_clock::time_point last_steady_;
    Date last_date_{};
    Lang lang_ = Lang::en;
    std::string last_worst_;
    std::vector<std::function<void(const RaisedReminder&)>> listeners_;
    // Per inventory source, the unreadable certificates (location, reason) written to the
    // system log: each once while it keeps failing, and again when it fails anew.
    std::map<std::string, std::set<std::pair<std::string, std::string>>> unreadable_;
};

}  // namespace credwatch
