#pragma once
// The SQLite store: tracked credentials, issuances, reminders, the certificate inventory and
// the audit trail. Every change runs in one transaction and writes its audit row in it.
// Passwords are never stored: only dates and counts.

#include "credwatch/certificate.hpp"
#include "credwatch/clock.hpp"
#include "credwatch/error.hpp"
#include "credwatch/model.hpp"

#include <chrono>
#include <filesystem>
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
};

// A reminder the engine wants raised; the store inserts it once per (credential, generation, key).
struct DueReminder {
    std::string credential_id;
    std::int64_t generation = 0;
    std::string key;
    State state = State::unknown;
    std::optional<int> days_left;
    std::optional<TimePoint> deadline;
    int issued = 0;
    int limit = 0;
    // Less urgent keys that this one makes moot (the service was off, or the clock jumped):
    // recorded as superseded so they never fire later.
    std::vector<std::string> superseded;
};

struct InventoryEntry {
    FoundCertificate certificate;
    TimePoint first_seen;
    TimePoint last_seen;
    std::string bound_credential;  // credential id it is tracked as, or empty
};

struct InventoryFailure {
    ScanFailure failure;
    TimePoint seen;
};

class Store {
public:
    static Result<std::unique_ptr<Store>> open(const std::filesystem::path& database,
                                               const Clock& clock, StoreOptions options = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    static int latest_schema_version() noexcept;
    Result<int> schema_version();

    // Credentials --------------------------------------------------------------------------
    Result<std::vector<Credential>> credentials();
    Result<Credential> credential(std::string_view id);  // Errc::not_found when unknown
    Status add_credential(const Credential& credential, const Actor& actor);
    // Removal leaves a tombstone so that a credential from the site configuration does not
    // come back at the next start.
    Status remove_credential(std::string_view id, const Actor& actor);
    Result<bool> is_removed(std::string_view id);
    // Password changed / document obtained on `on`: starts a new generation.
    Status record_renewal(std::string_view id, Date on, const Actor& actor);
    // One more certificate issued; returns the new count. Never decremented.
    Result<int> record_issuance(std::string_view id, const Actor& actor, std::string_view note = {});
    // Set the count (e.g. issuances made before credwatch was installed); refuses to lower it.
    Result<int> set_issued(std::string_view id, int total, const Actor& actor);
    // The certificate matched for a certificate_validity credential. A different certificate
    // with a later notAfter starts a new generation; none found clears it.
    Status bind_certificate(std::string_view id, const std::optional<FoundCertificate>& cert,
                            const Actor& actor);

    // Reminders ----------------------------------------------------------------------------
    // Keys already fired or superseded for this credential generation.
    Result<std::set<std::string>> fired_keys(std::string_view credential_id, std::int64_t generation);
    // Inserts the due reminders (and their superseded keys) in one transaction; returns the
    // ones that were new. A reminder already present is not raised twice.
    Result<std::vector<Reminder>> raise(const std::vector<DueReminder>& due);
    Result<std::vector<Reminder>> reminders(bool active_only);
    Result<Reminder> reminder(std::int64_t id);
    Status acknowledge(std::int64_t reminder_id, const Actor& actor);
    Status snooze(std::int64_t reminder_id, TimePoint until, const Actor& actor);

    // Inventory ----------------------------------------------------------------------------
    // Replaces what is known from one origin ("machine-folders", "store:LocalMachine",
    // "user:yamada") with a new scan, keeping first_seen for certificates seen before.
    Status replace_inventory(std::string_view origin, const ScanResult& scan);
    Result<std::vector<InventoryEntry>> inventory();
    Result<std::vector<InventoryFailure>> inventory_failures();
    // Bind an inventory certificate (by sha256) to a credential: recorded, and used by matching.
    Status bind_inventory(std::string_view sha256, std::string_view credential_id, const Actor& actor);

    // Audit --------------------------------------------------------------------------------
    Result<std::vector<AuditEntry>> audit(std::size_t limit = 100);

private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace credwatch
