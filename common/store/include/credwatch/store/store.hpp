#pragma once
// The SQLite store: tracked credentials, issuances, reminders, the certificate inventory and
// the audit trail. Every change runs in one transaction and writes its audit row in it.
// Passwords are never stored: only dates and counts.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"
#include "credwatch/domain/candidates.hpp"
#include "credwatch/domain/certificate.hpp"
#include "credwatch/domain/checks.hpp"
#include "credwatch/domain/ledger.hpp"
#include "credwatch/domain/model.hpp"
#include "credwatch/domain/records.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

struct StoreOptions {
    // How long one statement waits on a lock held by another connection (busy timeout),
    // and how many times a whole transaction is retried after that before giving up.
    std::chrono::milliseconds busy_timeout{5000};
    int transaction_attempts = 5;
    // Where backups go (the one before a migration too), as configured: empty for
    // DATA_DIR/backups, a relative folder under DATA_DIR (backup_folder_for resolves it).
    std::filesystem::path backup_folder;
    // The caller ran quick_check on this very file just before, holding the instance lock
    // (open_store_with_recovery): opening does not run it a second time.
    bool quick_checked = false;
};

// How long old rows are kept before prune_expired deletes them (site.toml [retention]). A year
// is the mean Gregorian year (std::chrono::years).
struct RetentionPolicy {
    int audit_years = 10;
    int reminders_years = 2;
    int outbox_years = 2;
    std::size_t rows_per_transaction = 500;  // short write transactions: the service keeps serving
};

struct PruneCounts {
    std::int64_t audit = 0;
    std::int64_t reminders = 0;
    std::int64_t outbox = 0;
};

// Called for each newly raised reminder inside the transaction that records it: the mail to
// queue for it, or nothing. Must only compute (no Store calls: the transaction is open).
using OutboxRenderer = std::function<std::optional<OutboxMessage>(const Reminder&)>;

class Store {
  public:
    [[nodiscard]] static Result<std::unique_ptr<Store>> open(const std::filesystem::path& database,
                                                             const Clock& clock,
                                                             StoreOptions options = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    static int latest_schema_version() noexcept;
    [[nodiscard]] Result<int> schema_version();

    // Credentials --------------------------------------------------------------------------
    [[nodiscard]] Result<std::vector<Credential>> credentials();
    [[nodiscard]] Result<Credential> credential(
        std::string_view id);  // Errc::not_found when unknown
    [[nodiscard]] Status add_credential(const Credential& credential, const Actor& actor);
    // Removal leaves a tombstone so that a credential from the site configuration does not
    // come back at the next start.
    [[nodiscard]] Status remove_credential(std::string_view id, const Actor& actor);
    [[nodiscard]] Result<bool> is_removed(std::string_view id);
    // Password changed / document obtained on `on`: starts a new generation.
    [[nodiscard]] Status record_renewal(std::string_view id, Date on, const Actor& actor);
    // Issuance ledger (docs/issuances.md). A row is never deleted; the count never falls.
    // One more certificate issued, recorded by a person: a "recorded" row; returns the count.
    [[nodiscard]] Result<int> record_issuance(std::string_view id, const Actor& actor,
                                              std::string_view note = {});
    // A total stated by the call centre or the site file (issuances made before credwatch was
    // installed): a "stated" row; refuses to lower the count.
    [[nodiscard]] Result<int> set_issued(std::string_view id, int total, const Actor& actor,
                                         std::string_view note = {});
    // A stated total that is only a floor (the site file's count): a "stated" row when the count
    // is below `floor`, nothing otherwise. Returns the count.
    [[nodiscard]] Result<int> raise_issued(std::string_view id, int floor, const Actor& actor,
                                           std::string_view note);
    // The certificates counted for a quota credential: each one not in its ledger yet either
    // completes a recorded row without a certificate (kIssuanceLinkWindow) or is a new "seen"
    // row. Writes nothing when all are known. Returns the rows added or linked.
    [[nodiscard]] Result<int> record_seen_issuances(
        std::string_view id, const std::vector<CountedCertificate>& certificates,
        const Actor& actor);
    // The ledger rows, oldest first; of one credential when `credential_id` is not empty.
    [[nodiscard]] Result<std::vector<Issuance>> issuances(std::string_view credential_id = {});
    // The certificate matched for a certificate_validity credential. A different certificate
    // with a later notAfter starts a new generation; none found clears it.
    [[nodiscard]] Status bind_certificate(std::string_view id,
                                          const std::optional<FoundCertificate>& cert,
                                          const Actor& actor);

    // Reminders ----------------------------------------------------------------------------
    // Keys already fired or superseded for this credential generation.
    [[nodiscard]] Result<std::set<std::string>> fired_keys(std::string_view credential_id,
                                                           std::int64_t generation);
    // Inserts the due reminders (and their superseded keys) in one transaction; returns the
    // ones that were new. A reminder already present is not raised twice. With `queue`, the
    // mail it renders for a new reminder is put in the outbox in the same transaction.
    [[nodiscard]] Result<std::vector<Reminder>> raise(const std::vector<DueReminder>& due,
                                                      const OutboxRenderer& queue = {});
    [[nodiscard]] Result<std::vector<Reminder>> reminders(bool active_only);
    [[nodiscard]] Result<Reminder> reminder(std::int64_t id);
    [[nodiscard]] Status acknowledge(std::int64_t reminder_id, const Actor& actor);
    [[nodiscard]] Status snooze(std::int64_t reminder_id, TimePoint until, const Actor& actor);

    // Inventory ----------------------------------------------------------------------------
    // Replaces what is known from one origin ("machine-folders", "store:LocalMachine",
    // "user:yamada") with a new scan, keeping first_seen for certificates seen before. The
    // certificates of a "user:" origin are read back as Provenance::reported.
    [[nodiscard]] Status replace_inventory(std::string_view origin, const ScanResult& scan);
    [[nodiscard]] Result<std::vector<InventoryEntry>> inventory();
    [[nodiscard]] Result<std::vector<InventoryFailure>> inventory_failures();
    // Bind an inventory certificate (by sha256) to a credential: recorded, and used by matching.
    [[nodiscard]] Status bind_inventory(std::string_view sha256, std::string_view credential_id,
                                        const Actor& actor);

    // Learnt matches (domain/candidates.hpp) ----------------------------------------------
    [[nodiscard]] Result<std::vector<LearntMatch>> learnt_matches();
    // Records (or replaces) a kind's learnt match, audited as "match-learnt".
    [[nodiscard]] Status learn_match(const LearntMatch& match, const Actor& actor);
    // Forgets a kind's learnt match, audited as "match-reset"; false when there was none.
    [[nodiscard]] Result<bool> reset_learnt_match(std::string_view system, std::string_view kind,
                                                  const Actor& actor);
    // The last recorded issuance of each issuance credential (its id), for estimated deadlines.
    [[nodiscard]] Result<std::map<std::string, TimePoint>> latest_issuances();

    // Check results (docs/doctor.md) -------------------------------------------------------
    // The latest result of every check the service ran, by system and id.
    [[nodiscard]] Result<std::vector<CheckRecord>> check_results();
    // Replaces the rows of these checks, in one transaction.
    [[nodiscard]] Status save_check_results(const std::vector<CheckRecord>& records);

    // Outbox (e-mail) -----------------------------------------------------------------------
    // Queues one message (a test mail); returns its id. Due at once unless held.
    [[nodiscard]] Result<std::int64_t> queue_mail(const OutboxMessage& message);
    // Unsent, not held, next attempt at or before `now`; oldest first.
    [[nodiscard]] Result<std::vector<OutboxEntry>> due_outbox(TimePoint now, std::size_t limit);
    // The earliest next attempt of an unsent message, or nothing when none waits.
    [[nodiscard]] Result<std::optional<TimePoint>> next_outbox_attempt();
    // The server accepted it: sent_at = now. Sent messages older than 180 days are deleted.
    [[nodiscard]] Status mark_sent(std::int64_t id);
    // The attempt failed: counted, the error kept, retried at `next_attempt_at`.
    [[nodiscard]] Status mark_failed(std::int64_t id, std::string_view error,
                                     TimePoint next_attempt_at);
    // Newest first; `unsent_only`: queued and held messages only.
    [[nodiscard]] Result<std::vector<OutboxEntry>> outbox(std::size_t limit = 100,
                                                          bool unsent_only = false);
    [[nodiscard]] Result<OutboxEntry> outbox_entry(std::int64_t id);
    [[nodiscard]] Result<OutboxCounts> outbox_counts();
    // Folds the held digest items queued before `created_before` into one digest message
    // (rendered by `render` from the items, oldest first), due now; the items are marked as
    // carried by it. One transaction. Returns the digest's id, or nothing when no such item was
    // held (or `render` returned nothing).
    [[nodiscard]] Result<std::optional<std::int64_t>> compose_digest(
        TimePoint created_before,
        const std::function<std::optional<OutboxMessage>(const std::vector<OutboxEntry>&)>& render);

    // Audit --------------------------------------------------------------------------------
    [[nodiscard]] Result<std::vector<AuditEntry>> audit(std::size_t limit = 100);
    // A change outside the store (the site file's systems) written to the trail.
    [[nodiscard]] Status audit_change(std::string_view action, std::string_view target,
                                      std::string_view old_value, std::string_view new_value,
                                      const Actor& actor);

    // Ledger (moving to a new PC: docs/ledger-format.md) ----------------------------------
    // Everything recorded, read in one transaction; `machine` names this PC in the file.
    [[nodiscard]] Result<Ledger> export_ledger(std::string_view machine);
    // Merges a ledger into this database in one transaction (nothing is written on an error):
    // a credential present here keeps the later of the recorded dates and the higher
    // generation and issued count; audit rows are appended marked "imported from <machine>
    // <date>" and never twice; importing the same file again changes nothing more.
    [[nodiscard]] Result<LedgerImportSummary> import_ledger(const Ledger& ledger,
                                                            const Actor& actor);
    // Retention ----------------------------------------------------------------------------
    // Deletes rows older than the policy allows, in transactions of at most
    // rows_per_transaction rows; returns how many went. Never deleted: the issuance ledger,
    // credentials and their recorded dates, unsent mail (and the digest items of an unsent
    // digest), the reminders of a credential's current generation (they keep a reminder from
    // firing twice), and the newest audit row of each credential (kept or removed).
    [[nodiscard]] Result<PruneCounts> prune_expired(const RetentionPolicy& policy, TimePoint now);

  private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace credwatch
