#pragma once
// The issuance ledger: one row per certificate issued against an issuance quota
// (docs/issuances.md). A row is never deleted, so the count never falls when a certificate is.

#include "credwatch/base/clock.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace credwatch {

enum class IssuanceHow {
    recorded,  // a person said "I issued a certificate" (credwatch issued, the tray)
    seen,      // a new certificate of the counted kind appeared in a scan or a user's report
    stated,    // a total stated by the call centre (issued --total) or the site file (issued)
};

std::string_view to_string(IssuanceHow how);
std::optional<IssuanceHow> parse_issuance_how(std::string_view text);

// A recorded row without a certificate is linked to a certificate seen later whose notBefore
// lies within this window of the row's time (before or after): the person recorded the
// issuance the certificate is, so it is counted once.
inline constexpr std::chrono::days kIssuanceLinkWindow{30};

struct Issuance {
    std::int64_t id = 0;  // the database's; informative only in a ledger file
    std::string credential_id;
    TimePoint at;  // when it was recorded, seen or stated
    IssuanceHow how = IssuanceHow::recorded;
    // The certificate, once known (seen, or a recorded row linked to one).
    std::string certificate_sha256;
    std::string subject;
    std::optional<TimePoint> not_before;
    std::optional<int> total;  // stated: the total stated
    std::string os_user;       // who recorded or stated it; the service's user for "seen"
    std::string note;
    std::string imported_from;  // empty: recorded or seen on this PC

    // Recorded or seen on this PC: what this PC reports in its metrics.
    bool own() const { return imported_from.empty() && how != IssuanceHow::stated; }
};

// A certificate that counts as an issuance of a quota, as the evaluation pass hands it over.
struct CountedCertificate {
    std::string sha256;
    std::string subject;
    TimePoint not_before;
    TimePoint first_seen;
};

}  // namespace credwatch
