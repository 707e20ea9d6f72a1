#pragma once
// Certificates held by the operating system's certificate stores (Windows CryptoAPI system
// stores). Each certificate's DER goes through describe_der(); FoundCertificate::source is
// "store", location is "LocalMachine\\My", "CurrentUser\\Root", ... Other platforms have no
// such stores: the functions return an empty result there.

#include "credwatch/certs/certificate.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

// A user's store certificates as encoded, for a report to the service.
struct StoreCertificates {
    std::vector<ReportedCertificate> certificates;  // source "store", location "CurrentUser\\My"
    std::vector<ScanFailure> failures;              // a store that could not be opened
};

#ifdef _WIN32
inline constexpr bool kHasSystemCertificateStores = true;

// LocalMachine\My, LocalMachine\Root, LocalMachine\CA, read-only; owner "machine". A store
// that cannot be opened is a ScanFailure, not an error. The service's inventory origin for
// these is "store:LocalMachine".
[[nodiscard]] Result<ScanResult> scan_machine_stores();

// CurrentUser\My and CurrentUser\Root of the account this process runs as (the tray, in the
// user's session), each certificate's DER (pbCertEncoded) as it is: what the tray reports.
[[nodiscard]] Result<StoreCertificates> read_user_stores();
#else
inline constexpr bool kHasSystemCertificateStores = false;
[[nodiscard]] inline Result<ScanResult> scan_machine_stores() {
    return ScanResult{};
}
[[nodiscard]] inline Result<StoreCertificates> read_user_stores() {
    return StoreCertificates{};
}
#endif

}  // namespace credwatch
