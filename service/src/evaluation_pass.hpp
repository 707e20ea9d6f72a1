#pragma once
// One evaluation of every tracked credential, and what it hands to the publishers:
//
//   scan (folders and machine stores; only for periodic, start, rescan, reload and clock
//   passes) -> match certificates to credentials -> evaluate each credential once -> raise the
//   due reminders (their mail queued in the same transaction) -> publish the typed result to
//   the console, the IPC subscribers, the system log, the metrics textfile, the reminder
//   listeners.
//
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

#include <functional>
#include <map>
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

class EvaluationPass {
  public:
    EvaluationPass(Store& store, const Clock& clock, Notifier* notifier, std::ostream* console);

    // At start and after every reload.
    void configure(const Configuration& config, Lang lang);
    // Set once the IPC server listens; events go to its subscribers from then on.
    void set_ipc(IpcServer* ipc) { ipc_ = ipc; }
    void add_listener(std::function<void(const RaisedReminder&)> listener);

    [[nodiscard]] Result<PassResult> run(Scan scan);
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
    [[nodiscard]] Status scan_certificate_folders();
    // Stores one source's certificates and writes 1103 for each that newly cannot be read.
    [[nodiscard]] Status replace_inventory(const std::string& source, const ScanResult& scan);
    [[nodiscard]] Status match_certificates();
    StatusRow row_of(const Credential& credential, const Evaluation* evaluation) const;
    void publish(const PassResult& result);
    void print(const std::string& text);

    Store& store_;
    const Clock& clock_;
    Notifier* notifier_;
    std::ostream* console_;
    const Configuration* config_ = nullptr;
    Lang lang_ = Lang::en;
    IpcServer* ipc_ = nullptr;
    CertificateScanner scanner_;
    std::optional<std::vector<InventoryEntry>> inventory_;  // empty: read it from the store
    std::string last_worst_;
    std::optional<TimePoint> last_completed_;
    std::vector<std::function<void(const RaisedReminder&)>> listeners_;
    // Per inventory source, the unreadable certificates (location, reason) written to the
    // system log: each once while it keeps failing, and again when it fails anew.
    std::map<std::string, std::set<std::pair<std::string, std::string>>> unreadable_;
};

}  // namespace credwatch
