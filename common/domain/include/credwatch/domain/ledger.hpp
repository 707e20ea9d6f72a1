#pragma once
// The ledger: everything credwatch has recorded that a new PC needs to carry on where the old
// one stopped (docs/ledger-format.md). Typed rows only: the JSON file format is the codec's
// (credwatch/ipc/ledger_codec.hpp), the merge into a database the store's
// (Store::import_ledger). Not in it: the certificate inventory (rescanned on the new PC), the
// outbox (mail already sent or queued there) and passwords (never recorded anywhere).

#include "credwatch/base/clock.hpp"
#include "credwatch/domain/candidates.hpp"
#include "credwatch/domain/issuance.hpp"
#include "credwatch/domain/model.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace credwatch {

inline constexpr std::string_view kLedgerFormat = "credwatch-ledger";
inline constexpr int kLedgerVersion = 1;

struct LedgerCredential {
    Credential credential;  // generation, renewed_on, issued, the bound certificate, ...
    // The reference certificate of the current generation (Store::bind_certificate).
    std::string reference_sha256;
    std::optional<TimePoint> reference_not_after;
    TimePoint created_at;
};

// A removed credential: the site configuration does not seed it again.
struct LedgerTombstone {
    std::string id;
    TimePoint removed_at;
    std::string os_user;
};

// An issuance ledger row; the fields after `note` are optional in the file (version-1 files
// without them import as rows recorded on the exporting PC).
using LedgerIssuance = Issuance;

// A reminder fired (or superseded) for one credential generation and key, with its
// acknowledgement and snooze. Reminder::id is the exporting database's, informative only.
struct LedgerReminder {
    Reminder reminder;
    bool superseded = false;
};

// An inventory certificate (by SHA-256) that a person bound to a credential.
struct LedgerBinding {
    std::string sha256;
    std::string credential_id;
    TimePoint bound_at;
    std::string os_user;
};

struct Ledger {
    int version = kLedgerVersion;
    TimePoint exported_at;
    std::string machine;  // the exporting PC's name
    std::vector<LedgerCredential> credentials;
    std::vector<LedgerTombstone> tombstones;
    std::vector<LedgerIssuance> issuances;
    std::vector<LedgerReminder> reminders;
    std::vector<LedgerBinding> bindings;
    // Matches learnt from confirmed certificates (candidates.hpp): the same site on a new PC
    // finds its certificates without a click. Optional in the file.
    std::vector<LearntMatch> learnt_matches;
    std::vector<AuditEntry> audit;  // oldest first; AuditEntry::id is informative only
};

// What an import changed in the target database (all zero on a second import of one file,
// but for the audit row of the import itself).
struct LedgerImportSummary {
    std::size_t credentials_added = 0;
    std::size_t credentials_updated = 0;
    std::size_t tombstones_added = 0;
    std::size_t issuances_added = 0;
    std::size_t reminders_added = 0;
    std::size_t reminders_updated = 0;
    std::size_t bindings_added = 0;
    std::size_t learnt_matches_added = 0;
    std::size_t audit_added = 0;
    std::size_t audit_already_present = 0;
};

}  // namespace credwatch
