#pragma once
// One line of `credwatch status`: a tracked credential, the names of its system and kind, and
// its evaluation at one instant. The service makes these once per evaluation and hands them to
// every publisher; ipc/json_codec.hpp turns them into the protocol's JSON and back.

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/clock.hpp"
#include "credwatch/domain/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace credwatch {

struct StatusRow {
    std::string id;
    std::string system;
    std::string kind;
    std::string label;
    std::string owner;
    std::optional<Rule> rule;  // absent when the catalog no longer has the kind
    std::string system_name_ja, system_name_en;
    std::string kind_name_ja, kind_name_en;
    std::optional<TimePoint> deadline;
    std::optional<Date> deadline_date;
    std::optional<int> days_left;
    State state = State::unknown;
    std::string reason;
    std::int64_t generation = 1;
    std::optional<Date> renewed_on;
    // Present only for issuance quotas (null in the JSON for every other rule).
    std::optional<int> issued;
    std::optional<int> limit;
    std::optional<int> issued_here;  // the ledger rows recorded or seen on this PC
    std::string account;             // the facility's account (site configuration); may be empty
    // The certificate currently matched; both empty when none is.
    std::string certificate_sha256;
    std::string certificate_location;
    std::vector<std::string> procedures;  // ids, the main one first
    std::string document_path;            // empty: none
    // The deadline is estimated from a recorded issuance, no certificate is bound yet.
    bool estimated = false;

    bool has_certificate() const { return !certificate_sha256.empty(); }
};

// `system` and `kind` may be null (an id the catalog no longer has); the names are then empty.
StatusRow make_status_row(const Credential& credential, const System* system,
                          const CredentialKind* kind, const Evaluation& evaluation);

}  // namespace credwatch
