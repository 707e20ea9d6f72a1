#pragma once
// Reading X.509 certificates from files (PEM, DER, PKCS#7 bundles, PKCS#12) with OpenSSL 3.

#include "credwatch/base/error.hpp"
#include "credwatch/domain/certificate.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace credwatch {

// Parse all certificates held by one file. The format is detected from the content and the
// extension. A PKCS#7 bundle (.p7b/.p7c, DER or PEM) gives every certificate of its signedData.
// PKCS#12 files are opened with the password in the sibling "<stem>.pass" file (UTF-8 with or
// without a BOM, or UTF-16 LE/BE with a BOM, as Notepad saves it; trailing CR/LF/spaces/tabs
// stripped), else with an empty password.
[[nodiscard]] Result<std::vector<CertificateInfo>> read_certificate_file(
    const std::filesystem::path& path);

// Parse certificates from memory (PEM with one or many, a single DER certificate, a PKCS#7
// bundle).
[[nodiscard]] Result<std::vector<CertificateInfo>> read_certificates(
    std::string_view bytes, std::string_view name_for_errors);
[[nodiscard]] Result<CertificateInfo> describe_der(std::string_view der);

// The DER encoding of each certificate one file holds (as read_certificate_file reads it, the
// .pass file included), in file order: what a tray sends the service.
[[nodiscard]] Result<std::vector<std::string>> read_certificate_file_der(
    const std::filesystem::path& path);

// A certificate of a user's report, described from its DER alone by the same reader as files
// (describe_der): nothing the client asserted about it is used. Provenance::reported, owned by
// `owner` (the OS-identified caller); the location is the client's, for display only.
[[nodiscard]] Result<FoundCertificate> parse_reported_certificate(
    const ReportedCertificate& reported, std::string_view owner);

// What a streaming scan reports as it goes, instead of collecting a ScanResult.
struct ScanVisitor {
    // Each certificate, in location order (files sorted, certificates in file order).
    std::function<void(FoundCertificate&&)> certificate;
    // Each path, folder or file that could not be read, in the order met: first those of the
    // walk, then those of the files in location order. ScanResult sorts them by location.
    std::function<void(ScanFailure&&)> failure;
};

struct ScanCounts {
    std::size_t files_examined = 0;
    std::size_t files_parsed = 0;  // examined minus those answered from the unchanged-file cache
};

enum class ScanCache {
    keep,  // remember every file's results for the next scan (the service's rescans)
    none,  // a single scan (the CLI): nothing kept, so memory does not grow with the files
};

// Scans files and folders (recursively) for certificate files (.pem .crt .cer .der .p7b .p7c
// .p12 .pfx: is_certificate_extension), remembering size and modification time so that a
// rescan of unchanged files does not parse.
class CertificateScanner {
  public:
    explicit CertificateScanner(ScanCache cache = ScanCache::keep);
    ~CertificateScanner();
    CertificateScanner(const CertificateScanner&) = delete;
    CertificateScanner& operator=(const CertificateScanner&) = delete;

    // A file given explicitly is read whatever its extension; folders are walked and only
    // certificate extensions are read. A path that does not exist is a failure record.
    ScanResult scan(const std::vector<std::filesystem::path>& paths,
                    const std::string& owner = "machine");

    // The same scan, each record passed to `visitor` as soon as it is read (the visitor's
    // functions may be empty). Holds the scanner's lock while the visitor runs.
    ScanCounts scan(const std::vector<std::filesystem::path>& paths, const std::string& owner,
                    const ScanVisitor& visitor);

  private:
    struct Cache;
    std::unique_ptr<Cache> cache_;
    ScanCache cache_mode_;
};

// The one list of certificate extensions (case-insensitive): .pem .crt .cer .der .p7b .p7c .p12
// .pfx. The scanner, `credwatch scan` and the tray's user-certificate folder all use it.
bool is_certificate_extension(const std::filesystem::path& path);

// Loads OpenSSL's "default" and "legacy" providers once per process (thread-safe; later calls
// return the first answer). The legacy provider holds RC2-40 and 3DES, still used by PKCS#12
// files exported from older Windows. Returns false (after one logged warning) when "legacy"
// is not available; modern files still open. Called by the readers; callable by anyone who
// needs the legacy algorithms (e.g. tests that write RC2-40 PKCS#12 files).
bool load_openssl_providers();

}  // namespace credwatch
