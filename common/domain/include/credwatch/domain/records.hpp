#pragma once
// The rows the service keeps and passes between its stages: reminders to raise, mail to queue
// and queued, certificates known. Plain values; store/ persists them.

#include "credwatch/base/clock.hpp"
#include "credwatch/domain/certificate.hpp"
#include "credwatch/domain/model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace credwatch {

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

// A mail to queue in the outbox, rendered now (a later catalog change does not alter it).
struct OutboxMessage {
    std::string kind = "reminder";        // "reminder", "digest_item", "digest" or "test"
    std::vector<std::string> recipients;  // as configured: "addr" or "Name <addr>"
    std::string subject;
    std::string body;
    // A digest item waits for the day's digest (Store::compose_digest) instead of being sent.
    bool held = false;
};

// A row of the outbox: queued, held for a digest, or sent.
struct OutboxEntry {
    std::int64_t id = 0;
    std::optional<std::int64_t> reminder_id;  // null for digests, tests, or a removed credential
    TimePoint created_at;
    std::string kind;
    std::vector<std::string> recipients;
    std::string subject;
    std::string body;
    int attempts = 0;
    std::optional<TimePoint> next_attempt_at;  // null while held for a digest
    std::optional<TimePoint> last_attempt_at;
    std::string last_error;                 // of the last failed attempt ("" when none)
    std::optional<TimePoint> sent_at;       // a digest item: when it went into its digest
    std::optional<std::int64_t> digest_id;  // a digest item: the digest that carried it
};

struct OutboxCounts {
    std::size_t pending = 0;  // to be sent (not held, not sent)
    std::size_t failing = 0;  // of those, the ones whose last attempt failed
    std::size_t held = 0;     // digest items waiting for the digest
};

struct InventoryEntry {
    FoundCertificate certificate;
    TimePoint first_seen;
    TimePoint last_seen;
    std::string bound_credential;  // credential id it is tracked as, or empty
    // A renewal took over from it: the SHA-256 of the newer certificate, else empty.
    std::string replaced_by;
};

struct InventoryFailure {
    ScanFailure failure;
    TimePoint seen;
};

}  // namespace credwatch
