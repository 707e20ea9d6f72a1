// Reading X.509 certificates from PEM, DER, PKCS#7 bundles and PKCS#12 with OpenSSL 3.
//
// The format is detected from the content: a DER SEQUENCE whose first element is an INTEGER is
// PKCS#12 (version 3), one whose first element is an OID is a PKCS#7 ContentInfo (a .p7b
// bundle), one whose first element is a SEQUENCE is an X.509 certificate, and text with a
// "-----BEGIN " marker is PEM (CERTIFICATE and PKCS7 blocks); base64 alone, without any marker,
// is read when it decodes to a PKCS#7 bundle. PKCS#12 passwords come from the sibling
// "<stem>.pass" file and never appear in a message or a log line.

#include "credwatch/certs/certificate.hpp"

#include "certificate_internal.hpp"
#include "certificate_parts.hpp"
#include "credwatch/base/strings.hpp"
#include "credwatch/platform/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch {

namespace {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Files and the format they hold

// The file's content, bounded: a larger file is not a certificate; anything but a regular file
// (a FIFO, a device, a link where links are refused) is not opened for reading at all.
Result<std::string> read_whole_file(const std::filesystem::path& path, std::string_view name,
                                    platform::Links links) {
    auto content = platform::read_regular_file(path, kMaxFileSize, links);
    if (!content && content.error().code == Errc::invalid_argument) {
        return make_error(Errc::parse_error, fmt::format("{}: not a certificate: too large", name));
    }
    return content;
}

enum class Format { pem, der_certificate, pkcs7, pkcs12, unknown };

Format der_format(const DerFrame& frame) {
    if (frame.first_inner_tag == 0x02) return Format::pkcs12;
    if (frame.first_inner_tag == kPkcs7FirstInnerTag) return Format::pkcs7;
    return Format::der_certificate;
}

Format detect_format(std::string_view bytes, const std::optional<DerFrame>& frame) {
    if (frame && frame->definite && frame->total == bytes.size()) return der_format(*frame);
    if (bytes.find("-----BEGIN ") != std::string_view::npos) return Format::pem;
    if (frame) return der_format(*frame);
    return Format::unknown;
}

// A .p7b saved as bare base64 (no BEGIN/END lines): its DER, or nothing when the text is not
// base64 of a PKCS#7 ContentInfo (then the file stays "neither PEM, DER nor PKCS#12").
std::optional<std::string> bare_base64_pkcs7(std::string_view bytes) {
    std::string der;
    if (!decode_base64(bytes, der) || der.empty()) return std::nullopt;
    const auto frame = read_der_frame(der);
    if (!frame || der_format(*frame) != Format::pkcs7) return std::nullopt;
    return der;
}

struct ParseOutcome {
    Result<std::vector<CertificateInfo>> result{std::vector<CertificateInfo>{}};
    bool pkcs12 = false;
};

// The shared parser. password_loader is called only for PKCS#12 content.
template <class PasswordLoader>
ParseOutcome parse_any(std::string_view bytes, std::string_view name,
                       PasswordLoader&& password_loader, std::vector<std::string>* ders = nullptr) {
    ParseOutcome outcome;
    if (bytes.empty()) {
        outcome.result = make_error(Errc::parse_error,
                                    fmt::format("{}: not a certificate: the file is empty", name));
        return outcome;
    }
    if (bytes.size() > kMaxFileSize) {
        outcome.result =
            make_error(Errc::parse_error, fmt::format("{}: not a certificate: too large", name));
        return outcome;
    }
    const auto frame = read_der_frame(bytes);
    const Format format = detect_format(bytes, frame);
    // A definite DER length longer than the data: cut off (a copy interrupted, a download
    // stopped). PEM text never starts with 0x30 followed by a plausible length and no marker.
    if ((format == Format::der_certificate || format == Format::pkcs7 ||
         format == Format::pkcs12) &&
        frame && frame->definite && frame->total > bytes.size()) {
        outcome.pkcs12 = format == Format::pkcs12;
        outcome.result =
            make_error(Errc::parse_error, truncation_message(name, *frame, bytes.size()));
        return outcome;
    }
    switch (format) {
        case Format::pem:
            outcome.result = parse_pem(bytes, name, ders);
            break;
        case Format::der_certificate: {
            auto info = parse_der_certificate(bytes, name);
            if (info) {
                outcome.result = std::vector<CertificateInfo>{std::move(*info)};
                if (ders) ders->emplace_back(bytes);
            } else {
                outcome.result = info.error();
            }
            break;
        }
        case Format::pkcs7:
            outcome.result = parse_pkcs7(bytes, name, ders);
            break;
        case Format::pkcs12: {
            outcome.pkcs12 = true;
            auto source = password_loader();
            if (!source) {
                outcome.result = source.error();
                break;
            }
            outcome.result = parse_pkcs12(bytes, name, source->source, ders);
            break;
        }
        case Format::unknown:
            if (const auto der = bare_base64_pkcs7(bytes)) {
                outcome.result = parse_pkcs7(*der, name, ders);
                break;
            }
            outcome.result = make_error(
                Errc::parse_error,
                fmt::format("{}: not a certificate: neither PEM, DER nor PKCS#12", name));
            break;
    }
    return outcome;
}

struct LoadedPassword {
    PasswordSource source;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public functions

bool is_certificate_extension(const std::filesystem::path& path) {
    return detail::has_certificate_extension(detail::path_to_utf8(path.filename()));
}

Result<std::vector<CertificateInfo>> read_certificates(std::string_view bytes,
                                                       std::string_view name_for_errors) {
    return parse_any(bytes, name_for_errors,
                     [] { return Result<LoadedPassword>(LoadedPassword{}); })
        .result;
}

Result<std::vector<CertificateInfo>> read_certificate_file(const std::filesystem::path& path) {
    return detail::read_certificate_file_detailed(path, platform::Links::follow).result;
}

Result<std::vector<std::string>> read_certificate_file_der(const std::filesystem::path& path) {
    std::vector<std::string> ders;
    auto outcome = detail::read_certificate_file_detailed(path, platform::Links::follow, &ders);
    if (!outcome.result) return outcome.result.error();
    return ders;
}

Result<FoundCertificate> parse_reported_certificate(const ReportedCertificate& reported,
                                                    std::string_view owner) {
    CW_TRY_ASSIGN(info, describe_der(reported.der));
    FoundCertificate found;
    found.location = reported.location;
    found.source = reported.source == "store" ? "store" : "file";
    found.owner = std::string(owner);
    found.info = std::move(info);
    found.provenance = Provenance::reported;
    return found;
}

namespace detail {

std::string path_to_utf8(const std::filesystem::path& path) {
    return credwatch::path_to_utf8(path);
}

bool has_certificate_extension(std::string_view filename) {
    const std::size_t dot = filename.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || filename.size() - dot != 4) return false;
    std::array<char, 3> lower{};
    for (std::size_t i = 0; i < 3; ++i) {
        char c = filename[dot + 1 + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        lower[i] = c;
    }
    // The one list: the scanner, `credwatch scan` and the tray's folder reading all ask here.
    static constexpr std::array<std::string_view, 8> kExtensions = {"pem", "crt", "cer", "der",
                                                                    "p7b", "p7c", "p12", "pfx"};
    const std::string_view text(lower.data(), lower.size());
    return std::find(kExtensions.begin(), kExtensions.end(), text) != kExtensions.end();
}

std::filesystem::path password_file_for(const std::filesystem::path& path) {
    auto pass = path;
    pass.replace_extension(".pass");
    return pass;
}

FileReadOutcome read_certificate_file_detailed(const std::filesystem::path& path,
                                               platform::Links links,
                                               std::vector<std::string>* ders) {
    const std::string name = path_to_utf8(path);
    FileReadOutcome outcome;
    auto content = read_whole_file(path, name, links);
    if (!content) {
        outcome.result = content.error();
        return outcome;
    }
    Secret password;
    auto loader = [&]() -> Result<LoadedPassword> {
        // The sibling by construction (same folder), and never a link: a .pass planted as a
        // link to another file, or as a FIFO, is refused and its target never read.
        const auto pass_path = password_file_for(path);
        LoadedPassword loaded;
        loaded.source.pass_file_name = path_to_utf8(pass_path.filename());
        auto text =
            platform::read_regular_file(pass_path, kMaxPasswordFileSize, platform::Links::refuse);
        if (!text) {
            if (text.error().code == Errc::not_found) return loaded;  // try the empty passwords
            if (text.error().code == Errc::skipped) {
                const std::string why = platform::not_read_reason(text.error());
                return make_error(Errc::permission_denied,
                                  fmt::format("{}: its password file {} is refused: {}", name,
                                              loaded.source.pass_file_name,
                                              why.empty() ? "not a regular file" : why));
            }
            if (text.error().code == Errc::invalid_argument) {
                return make_error(
                    Errc::parse_error,
                    fmt::format("{}: its password file {} is too large to be a "
                                "password (more than {} bytes)",
                                name, loaded.source.pass_file_name, kMaxPasswordFileSize));
            }
            return make_error(Errc::io_error, fmt::format("{}: cannot read its password file {}",
                                                          name, loaded.source.pass_file_name));
        }
        password.value() = std::move(*text);
        CW_TRY(decode_password_file(password.value(), name, loaded.source.pass_file_name));
        loaded.source.from_file = &password;
        return loaded;
    };
    auto parsed = parse_any(*content, name, loader, ders);
    outcome.result = std::move(parsed.result);
    outcome.pkcs12 = parsed.pkcs12;
    return outcome;
}

}  // namespace detail

}  // namespace credwatch
