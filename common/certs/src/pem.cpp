// PEM: every CERTIFICATE block of a text file.

#include "certificate_parts.hpp"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch {

namespace detail {

// ---------------------------------------------------------------------------------------------
// PEM

// Decodes base64, skipping line breaks and blanks. False on any other character.
bool decode_base64(std::string_view text, std::string& out) {
    static constexpr auto kTable = [] {
        std::array<signed char, 256> table{};
        table.fill(-1);
        constexpr std::string_view kAlphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
            table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
        }
        return table;
    }();
    out.clear();
    out.reserve(text.size() / 4 * 3 + 3);
    std::uint32_t accumulator = 0;
    int bits = 0;
    int padding = 0;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
        if (c == '=') {
            if (++padding > 2) return false;
            continue;
        }
        const int value = kTable[c];
        if (value < 0 || padding > 0) return false;
        accumulator = ((accumulator << 6U) | static_cast<std::uint32_t>(value)) & 0xFFFFFFU;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((accumulator >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    return true;
}

bool is_certificate_label(std::string_view label) {
    return label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE";
}

// Windows' "Base-64 encoded PKCS #7" export and `openssl crl2pkcs7` write "PKCS7"; OpenSSL's
// own name for signed data is "PKCS #7 SIGNED DATA"; CMS tools write "CMS".
bool is_bundle_label(std::string_view label) {
    return label == "PKCS7" || label == "PKCS #7 SIGNED DATA" || label == "CMS";
}

// Whether decoded PEM content is a PKCS#7 ContentInfo rather than a certificate (`certutil
// -encode` of a .p7b writes it under a CERTIFICATE label).
bool holds_pkcs7(std::string_view der) {
    const auto frame = read_der_frame(der);
    return frame && frame->first_inner_tag == kPkcs7FirstInnerTag;
}

// Every CERTIFICATE block (also "X509 CERTIFICATE" and "TRUSTED CERTIFICATE", whose trust
// settings after the certificate are ignored) and every certificate of each PKCS7 block; other
// blocks (keys, CRLs) are skipped.
Result<std::vector<CertificateInfo>> parse_pem(std::string_view bytes, std::string_view name,
                                               std::vector<std::string>* ders) {
    constexpr std::string_view kBegin = "-----BEGIN ";
    constexpr std::string_view kDashes = "-----";
    constexpr std::string_view kEnd = "-----END ";
    thread_local std::string der;  // reused: no allocation per certificate
    std::vector<CertificateInfo> certificates;
    std::size_t position = 0;
    for (;;) {
        const std::size_t begin = bytes.find(kBegin, position);
        if (begin == std::string_view::npos) break;
        const std::size_t label_start = begin + kBegin.size();
        const std::size_t label_end = bytes.find(kDashes, label_start);
        const std::size_t line_end = bytes.find('\n', label_start);
        if (label_end == std::string_view::npos || label_end > line_end) {
            if (line_end == std::string_view::npos) {
                return make_error(Errc::parse_error,
                                  fmt::format("{}: truncated PEM: the file ends inside a BEGIN "
                                              "line",
                                              name));
            }
            position = label_start;  // not a BEGIN line after all
            continue;
        }
        const std::string_view label = bytes.substr(label_start, label_end - label_start);
        const std::size_t body_start = label_end + kDashes.size();
        // "-----END <label>-----"
        std::size_t end = body_start;
        for (;;) {
            end = bytes.find(kEnd, end);
            if (end == std::string_view::npos) break;
            const std::string_view rest = bytes.substr(end + kEnd.size());
            if (rest.substr(0, label.size()) == label &&
                rest.substr(label.size(), kDashes.size()) == kDashes) {
                break;
            }
            end += kEnd.size();
        }
        const bool bundle = is_bundle_label(label);
        const bool certificate = bundle || is_certificate_label(label);
        if (end == std::string_view::npos) {
            if (!certificate) break;  // a cut key block at the end: nothing after it
            if (bundle) {
                return make_error(
                    Errc::parse_error,
                    fmt::format("{}: truncated PEM: the PKCS7 block has no END line", name));
            }
            return make_error(Errc::parse_error,
                              fmt::format("{}: truncated PEM: certificate {} has no END line", name,
                                          certificates.size() + 1));
        }
        position = end + kEnd.size() + label.size() + kDashes.size();
        if (!certificate) continue;
        if (bundle) {
            if (!decode_base64(bytes.substr(body_start, end - body_start), der) || der.empty()) {
                return make_error(
                    Errc::parse_error,
                    fmt::format("{}: malformed PEM: the PKCS7 block is not base64", name));
            }
        }
        if (!bundle && !decode_base64(bytes.substr(body_start, end - body_start), der)) {
            return make_error(Errc::parse_error,
                              fmt::format("{}: malformed PEM: certificate {} is not base64", name,
                                          certificates.size() + 1));
        }
        if (der.empty()) {
            return make_error(Errc::parse_error,
                              fmt::format("{}: malformed PEM: certificate {} is empty", name,
                                          certificates.size() + 1));
        }
        if (bundle || holds_pkcs7(der)) {
            CW_TRY_ASSIGN(bundled, parse_pkcs7(der, name, ders));
            std::move(bundled.begin(), bundled.end(), std::back_inserter(certificates));
            continue;
        }
        CW_TRY_ASSIGN(info, parse_der_certificate(der, name));
        certificates.push_back(std::move(info));
        if (ders) ders->push_back(der);
    }
    if (certificates.empty()) {
        return make_error(Errc::parse_error,
                          fmt::format("{}: not a certificate: the PEM file holds no CERTIFICATE "
                                      "block",
                                      name));
    }
    return certificates;
}

}  // namespace detail

}  // namespace credwatch
