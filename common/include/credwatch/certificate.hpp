#pragma once
// Reading X.509 certificates from files (PEM, DER, PKCS#12) with OpenSSL 3.

#include "credwatch/clock.hpp"
#include "credwatch/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace credwatch {

struct CertificateInfo {
    std::string subject;  // RFC 2253 style, UTF-8 ("CN=山田太郎,O=...")
    std::string issuer;
    std::string serial;  // lowercase hex, no separators
    TimePoint not_before;  // UTC; beyond TimePoint's range (e.g. RFC 5280's "no expiry"
    TimePoint not_after;   // 99991231235959Z) clamped to TimePoint::max() / min()
    std::string sha1;    // lowercase hex of the DER encoding
    std::string sha256;  // lowercase hex of the DER encoding
    bool is_ca = false;
    std::vector<std::string> key_usage;  // "digitalSignature", "keyEncipherment", ...
};

// A certificate found somewhere: a file (path), or an OS store ("LocalMachine\\My").
struct FoundCertificate {
    std::string location;     // file path (UTF-8) or store name
    std::string source;       // "file" or "store"
    std::string owner;        // "machine" or the OS user whose store / folder it came from
    CertificateInfo info;
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

// Parse all certificates held by one file. The format is detected from the content and the
// extension. PKCS#12 files are opened with the password in the sibling "<stem>.pass" file
// (trailing CR/LF/spaces and a UTF-8 BOM stripped), else with an empty password.
Result<std::vector<CertificateInfo>> read_certificate_file(const std::filesystem::path& path);

// Parse certificates from memory (PEM with one or many, or a single DER certificate).
Result<std::vector<CertificateInfo>> read_certificates(std::string_view bytes,
                                                       std::string_view name_for_errors);
Result<CertificateInfo> describe_der(std::string_view der);

// Scans files and folders (recursively) for certificate files (.pem .crt .cer .der .p12 .pfx),
// remembering size and modification time so that a rescan of unchanged files does not parse.
class CertificateScanner {
public:
    CertificateScanner();
    ~CertificateScanner();
    CertificateScanner(const CertificateScanner&) = delete;
    CertificateScanner& operator=(const CertificateScanner&) = delete;

    // A file given explicitly is read whatever its extension; folders are walked and only
    // certificate extensions are read. A path that does not exist is a failure record.
    ScanResult scan(const std::vector<std::filesystem::path>& paths, const std::string& owner = "machine");

private:
    struct Cache;
    std::unique_ptr<Cache> cache_;
};

bool is_certificate_extension(const std::filesystem::path& path);

// Loads OpenSSL's "default" and "legacy" providers once per process (thread-safe; later calls
// return the first answer). The legacy provider holds RC2-40 and 3DES, still used by PKCS#12
// files exported from older Windows. Returns false (after one logged warning) when "legacy"
// is not available; modern files still open. Called by the readers; callable by anyone who
// needs the legacy algorithms (e.g. tests that write RC2-40 PKCS#12 files).
bool load_openssl_providers();

}  // namespace credwatch
