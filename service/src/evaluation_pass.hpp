#pragma once
// One evaluation of every tracked credential, and what it hands to the publishers:
//
//   scan (folders and machine stores; only for periodic, start, rescan, reload and clock
//   passes) -> match certificates to credentials -> evaluate each credential once -> raise the
//   due reminders (their mail queued in the same transaction) -> publish the typed result to
//   the console, the IPC subscribers, the system log, the metrics textfile, the reminder
//   listeners.
//
// The scan (walk and parse; it touches no Store) runs on a worker thread owned here when a
// pass is started with run_async: the io_context thread goes on answering requests, and the
// ScanResult comes back to it, where match, evaluate, raise and publish run as before.
// A change made over IPC runs a pass without the scan. The inventory the matching reads is
// kept here and read from the store again only after a source was replaced or a certificate
// bound.

#include "ipc_server.hpp"
#include "notifier.hpp"

#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/certs/certificate.hpp"
#include "credwatch/domain/status_row.hpp"
#include "credwatch/notify/text.hpp"
#include "credwatch/store/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch {

// Raised reminders, with the text a person reads.
struct RaisedReminder {
    Reminder reminder;
    StatusRow row;
    ReminderText text;
};

// What one pass found: a row per credential, the reminders it raised, the worst severity over
// the credentials whose kind the catalog has (-1 when there is none).
struct PassResult {
    TimePoint at;
    std::vector<StatusRow> rows;
    std::vector<RaisedReminder> raised;
    int worst = -1;

    const StatusRow* row(std::string_view id) const;
};

enum class Scan {
    folders,  // scan the certificate folders and machine stores first
    none,     // a change over IPC: evaluate what is known
};

using PassDone = std::function<void(const Result<PassResult>&)>;

class EvaluationPass {
  public:
    // `io` is the thread everything but the scan runs on; completions are posted to it.
    EvaluationPass(boost::asio::io_context& io, Store& store, const Clock& clock,
                   Notifier* notifier, std::ostream* console);
    // Waits for a scan in flight on the worker; its result is dropped.
    ~EvaluationPass();
    EvaluationPass(const EvaluationPass&) = delete;
    EvaluationPass& operator=(const EvaluationPass&) = delete;

    // At start and after every reload.
    void configure(const Configuration& config, Lang lang);
    // Set once the IPC server listens; events go to its subscribers from then on.
    void set_ipc(IpcServer* ipc) { ipc_ = ipc; }
    void add_listener(std::function<void(const RaisedReminder&)> listener);

    // The whole pass on the calling thread (at start, before the service listens).
    [[nodiscard]] Result<PassResult> run(Scan scan);
    // The same pass with the scan on the worker thread; `done` is called on the io thread.
    // Scan::none runs at once. A folder pass asked for while one is scanning is queued: all
    // such requests share ONE next pass, started when the running one ends (so each caller
    // sees files as they were after its request, and a burst of rescans costs two scans).
    void run_async(Scan scan, PassDone done);
    bool scan_in_flight() const { return scanning_; }
    // Folder passes waiting for the next scan (io thread only).
    std::size_t queued_scan_requests() const { return queued_.size(); }
    // Tests: called on the scanning thread before every scan (a slow folder, made to order).
    void set_scan_hook(std::function<void()> hook) { scan_hook_ = std::move(hook); }
    // The rows evaluated at another instant (`status --at`): nothing is raised or published.
    [[nodiscard]] Result<std::vector<StatusRow>> rows_at(TimePoint at);

    // A tray's report for "user:<name>": stored (no system log: any local user can send it)
    // and matched at the next pass.
    [[nodiscard]] Status replace_reported_inventory(const std::string& source,
                                                    const ScanResult& scan);
    // After a certificate was bound by hand.
    void inventory_changed() { inventory_.reset(); }

    std::vector<Procedure> procedures_of(const CredentialKind* kind) const;
    // When the last pass completed: the heartbeat the tray checks (status "evaluation").
    std::optional<TimePoint> last_completed() const { return last_completed_; }

  private:
    // What the scan phase found: the folders and, on Windows, the machine stores.
    struct ScanPhase {
        ScanResult folders;
        std::optional<Result<ScanResult>> stores;
    };
    // The scan phase, on whichever thread: reads files, never the Store.
    ScanPhase scan_phase(const std::vector<std::filesystem::path>& folders);
    std::vector<std::filesystem::path> configured_folders() const;
    // Back on the io thread: the sources replaced in the store.
    [[nodiscard]] Status apply_scan(ScanPhase& phase);
    // match -> evaluate -> raise -> publish.
    [[nodiscard]] Result<PassResult> evaluate_and_publish();
    void start_scan(std::vector<PassDone> waiters);
    void finish_scan(ScanPhase& phase);
    // Stores one source's certificates and writes 1103 for each that newly cannot be read.
    [[nodiscard]] Status replace_inventory(const std::string& source, const ScanResult& scan);
    [[nodiscard]] Status match_certificates();
    StatusRow row_of(const Credential& credential, const Evaluation* evaluation) const;
    // The site file's credential of this id (store_user, account and issued are not stored).
    const Credential* configured(std::string_view id) const;
    void publish(const PassResult& result);
    void print(const std::string& text);

    Store& store_;
    const Clock& clock_;
    Notifier* notifier_;
    std::ostream* console_;
    const Configuration* config_ = nullptr;
    std::map<std::string, const Credential*, std::less<>> configured_;  // id -> config_'s
    Lang lang_ = Lang::en;
    IpcServer* ipc_ = nullptr;
    CertificateScanner scanner_;
    std::optional<std::vector<InventoryEntry>> inventory_;  // empty: read it from the store
    std::string last_worst_;
    std::optional<TimePoint> last_completed_;
    std::vector<std::function<void(const RaisedReminder&)>> listeners_;
    boost::asio::io_context& io_;
    std::function<void()> scan_hook_;
    bool scanning_ = false;
    std::vector<PassDone> waiting_;  // for the scan in flight
    std::vector<PassDone> queued_;   // for the one next scan
    bool next_requested_ = false;
    // Expires with this object: a scan result posted after it is dropped, not applied.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    // Declared last: joined first on destruction, while what the scan uses still exists.
    std::unique_ptr<boost::asio::thread_pool> worker_ =
        std::make_unique<boost::asio::thread_pool>(1);
    // Per inventory source, the unreadable certificates (location, reason) written to the
    // system log: each once while it keeps failing, and again when it fails anew.
    std::map<std::string, std::set<std::pair<std::string, std::string>>> unreadable_;
};

}  // namespace credwatch
