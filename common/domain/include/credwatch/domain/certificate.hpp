#pragma once
// Certificates as the domain sees them: what was read from a file or an OS store, where it was
// found and for whom, and what could not be read. Produced by certs/, kept by store/.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace credwatch {

struct CertificateInfo {
    std::string subject;  // RFC 2253 style, UTF-8 ("CN=山田太郎,O=...")
    std::string issuer;
    std::string serial;    // lowercase hex, no separators
    TimePoint not_before;  // UTC; beyond TimePoint's range (e.g. RFC 5280's "no expiry"
    TimePoint not_after;   // 99991231235959Z) clamped to TimePoint::max() / min()
    std::string sha1;      // lowercase hex of the DER encoding
    std::string sha256;    // lowercase hex of the DER encoding
    bool is_ca = false;
    std::vector<std::string> key_usage;  // "digitalSignature", "keyEncipherment", ...
    // extendedKeyUsage: "clientAuth", "serverAuth", ... (OpenSSL's short names), or the dotted
    // OID of a purpose without one; empty when the extension is absent.
    std::vector<std::string> extended_key_usage;
};

// Who found a certificate. The service trusts a user's report only as far as that user goes:
// a report satisfies that user's own credentials, or a machine credential whose site
// configuration names the user as `store_user` (matching.hpp).
enum class Provenance {
    scanned,   // the service's own folder scan or machine stores
    reported,  // a user's tray, DER parsed by the service; owner is the OS-identified caller
};

// A certificate found somewhere: a file (path), or an OS store ("LocalMachine\\My").
struct FoundCertificate {
    std::string location;  // file path (UTF-8) or store name
    std::string source;    // "file" or "store"
    std::string owner;     // "machine" or the OS user whose store / folder it came from
    CertificateInfo info;
    Provenance provenance = Provenance::scanned;
};

// One certificate of a user's report as it arrived: only its encoding is taken from the
// client; every fact about it comes from parsing `der` (certs/).
struct ReportedCertificate {
    std::string location;  // store or file name the client says it came from
    std::string source;    // "file" or "store"
    std::string der;       // the certificate's DER bytes
};

// A file that could not be read; the scan goes on.
struct ScanFailure {
    std::string location;
    Errc code = Errc::parse_error;
    std::string error;  // the reason, never a password
};

struct ScanResult {
    std::vector<FoundCertificate> certificates;
    std::vector<ScanFailure> failures;
    std::size_t files_examined = 0;
    std::size_t files_parsed = 0;  // examined minus those answered from the unchanged-file cache
};

}  // namespace credwatch
