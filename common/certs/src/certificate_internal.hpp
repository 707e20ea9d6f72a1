#pragma once
// Shared between certificate.cpp and certificate_scanner.cpp; not part of the public API.

#include "credwatch/certs/certificate.hpp"
#include "credwatch/platform/files.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::detail {

// The path as UTF-8 (Japanese folder names round-trip on POSIX and Windows).
std::string path_to_utf8(const std::filesystem::path& path);

// Whether a file name ("client.P12") ends in a certificate extension, as is_certificate_extension
// (same rule as std::filesystem::path::extension: a leading dot alone is no extension).
bool has_certificate_extension(std::string_view filename);

// The password file consulted for a PKCS#12 file: "<stem>.pass" beside it.
std::filesystem::path password_file_for(const std::filesystem::path& path);

struct FileReadOutcome {
    Result<std::vector<CertificateInfo>> result{std::vector<CertificateInfo>{}};
    bool pkcs12 = false;  // the content was PKCS#12, so the result depends on the .pass file
};

// read_certificate_file, also telling whether the file was PKCS#12. Links::refuse for a file
// found in a folder walk (a link put there since the walk is not followed), Links::follow for
// a path named by the caller. The .pass file is never read through a link. `ders`, when given,
// receives the DER encoding of each certificate read.
FileReadOutcome read_certificate_file_detailed(const std::filesystem::path& path,
                                               platform::Links links,
                                               std::vector<std::string>* ders = nullptr);

}  // namespace credwatch::detail
