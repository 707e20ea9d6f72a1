// Reading X.509 certificates from PEM, DER and PKCS#12 with OpenSSL 3.
//
// The format is detected from the content: a DER SEQUENCE whose first element is an INTEGER is
// PKCS#12 (version 3), one whose first element is a SEQUENCE is an X.509 certificate, and text
// with a "-----BEGIN " marker is PEM. PKCS#12 passwords come from the sibling "<stem>.pass" file
// and never appear in a message or a log line.

#include "credwatch/certs/certificate.hpp"

#include "certificate_internal.hpp"
#include "credwatch/certs/openssl_raii.hpp"

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
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace credwatch {

namespace {

// Certificate files are a few kilobytes; anything this large is not one.
constexpr std::size_t kMaxFileSize = 64U * 1024U * 1024U;

// ---------------------------------------------------------------------------------------------
// OpenSSL errors

struct OpensslErrors {
    std::string text;    // every queued error, ERR_error_string_n form, for the log
    std::string reason;  // the root cause (earliest queued error), for the message
    bool truncated = false;
    bool unsupported = false;  // an algorithm is not available (legacy provider missing)
};

bool is_truncation(unsigned long code) {
    if (ERR_GET_LIB(code) != ERR_LIB_ASN1) return false;
    const int reason = ERR_GET_REASON(code);
    return reason == ASN1_R_HEADER_TOO_LONG || reason == ASN1_R_TOO_LONG ||
           reason == ASN1_R_NOT_ENOUGH_DATA;
}

bool is_unsupported(unsigned long code) {
    const int reason = ERR_GET_REASON(code);
    return reason == ERR_R_UNSUPPORTED ||
           (ERR_GET_LIB(code) == ERR_LIB_EVP &&
            (reason == EVP_R_UNSUPPORTED_ALGORITHM || reason == EVP_R_UNSUPPORTED_CIPHER ||
             reason == EVP_R_UNKNOWN_CIPHER));
}

// Empties this thread's OpenSSL error queue into text.
OpensslErrors drain_openssl_errors() {
    OpensslErrors errors;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        std::array<char, 256> buffer{};
        ERR_error_string_n(code, buffer.data(), buffer.size());
        if (!errors.text.empty()) errors.text += "; ";
        errors.text += buffer.data();
        if (errors.reason.empty()) {
            const char* reason = ERR_reason_error_string(code);
            errors.reason = reason != nullptr ? reason : buffer.data();
        }
        errors.truncated = errors.truncated || is_truncation(code);
        errors.unsupported = errors.unsupported || is_unsupported(code);
    }
    return errors;
}

// Logs a failed OpenSSL call (function name + OpenSSL's error strings; never a secret) and
// returns the drained errors so that the caller can word its message.
OpensslErrors log_openssl_failure(const char* function, std::string_view name) {
    OpensslErrors errors = drain_openssl_errors();
    spdlog::warn("{}: OpenSSL {} failed: {}", name, function,
                 errors.text.empty() ? std::string("no error queued") : errors.text);
    return errors;
}

std::string with_reason(std::string_view what, const OpensslErrors& errors) {
    if (errors.reason.empty()) return std::string(what);
    return fmt::format("{} ({})", what, errors.reason);
}

// ---------------------------------------------------------------------------------------------
// Providers and digests

struct Providers {
    ossl::ProviderPtr default_provider;
    ossl::ProviderPtr legacy_provider;
};

Providers load_providers() {
    Providers providers;
    providers.default_provider.reset(OSSL_PROVIDER_load(nullptr, "default"));
    if (!providers.default_provider) log_openssl_failure("OSSL_PROVIDER_load(default)", "openssl");
    providers.legacy_provider.reset(OSSL_PROVIDER_load(nullptr, "legacy"));
    if (!providers.legacy_provider) {
        const OpensslErrors errors = drain_openssl_errors();
        spdlog::warn(
            "OpenSSL OSSL_PROVIDER_load(legacy) failed: {}; PKCS#12 files encrypted with RC2 or "
            "3DES cannot be opened",
            errors.text.empty() ? std::string("no error queued") : errors.text);
    }
    return providers;
}

struct Digests {
    ossl::EvpMdPtr sha1_fetched;
    ossl::EvpMdPtr sha256_fetched;
    const EVP_MD* sha1 = nullptr;
    const EVP_MD* sha256 = nullptr;
};

// Fetched once: an explicit fetch avoids the per-call implicit lookup of EVP_sha1().
const Digests& digests() {
    static const Digests instance = [] {
        load_openssl_providers();
        Digests d;
        d.sha1_fetched.reset(EVP_MD_fetch(nullptr, "SHA1", nullptr));
        d.sha256_fetched.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
        if (!d.sha1_fetched || !d.sha256_fetched) log_openssl_failure("EVP_MD_fetch", "openssl");
        d.sha1 = d.sha1_fetched ? d.sha1_fetched.get() : EVP_sha1();
        d.sha256 = d.sha256_fetched ? d.sha256_fetched.get() : EVP_sha256();
        return d;
    }();
    return instance;
}

// ---------------------------------------------------------------------------------------------
// Small conversions

void append_hex(std::string& out, const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    out.reserve(out.size() + size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kDigits[data[i] >> 4U]);
        out.push_back(kDigits[data[i] & 0x0FU]);
    }
}

std::string_view bytes_of(const BUF_MEM* mem) {
    return mem == nullptr ? std::string_view{} : std::string_view(mem->data, mem->length);
}

// "CN=山田太郎,O=...,C=JP": RFC 2253 order and escaping, but UTF-8 left as UTF-8.
std::optional<std::string> name_to_utf8(const X509_NAME* name) {
    // A BIO per call: a thread_local one was freed at thread exit after OpenSSL's own
    // per-thread clean-up had run, which corrupted the heap on Windows.
    if (name == nullptr) return std::nullopt;
    const ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return std::nullopt;
    constexpr unsigned long kFlags =
        XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
    if (X509_NAME_print_ex(bio.get(), name, 0, kFlags) < 0) return std::nullopt;
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio.get(), &mem);
    return std::string(bytes_of(mem));
}

std::string serial_to_hex(const ASN1_INTEGER* serial) {
    std::string out;
    if (serial == nullptr) return out;
    if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) out.push_back('-');
    const int length = ASN1_STRING_length(serial);
    if (length <= 0) {
        out += "00";
        return out;
    }
    append_hex(out, ASN1_STRING_get0_data(serial), static_cast<std::size_t>(length));
    return out;
}

// A broken-down UTC time to an instant, without timegm (not on Windows) and without the 2038
// limit of a 32-bit time_t. Out-of-range instants are clamped to TimePoint's range.
TimePoint utc_tm_to_time_point(const std::tm& tm) {
    using namespace std::chrono;
    const year_month_day date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                              day{static_cast<unsigned>(tm.tm_mday)}};
    const seconds since_epoch = sys_days{date}.time_since_epoch() + hours{tm.tm_hour} +
                                minutes{tm.tm_min} + seconds{tm.tm_sec};
    constexpr auto kMax = duration_cast<seconds>(TimePoint::duration::max());
    constexpr auto kMin = duration_cast<seconds>(TimePoint::duration::min());
    if (since_epoch >= kMax) return TimePoint::max();
    if (since_epoch <= kMin) return TimePoint::min();
    return TimePoint{duration_cast<TimePoint::duration>(since_epoch)};
}

std::optional<TimePoint> asn1_time_to_time_point(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
    return utc_tm_to_time_point(tm);
}

std::vector<std::string> key_usage_names(std::uint32_t bits) {
    static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"},
        {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
        {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},
        {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},
        {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"},
    };
    std::vector<std::string> names;
    for (const auto& [bit, label] : kNames) {
        if ((bits & bit) != 0) names.emplace_back(label);
    }
    return names;
}

// ---------------------------------------------------------------------------------------------
// One parsed certificate

Result<CertificateInfo> describe(X509* cert, std::string_view name) {
    CertificateInfo info;
    auto subject = name_to_utf8(X509_get_subject_name(cert));
    auto issuer = name_to_utf8(X509_get_issuer_name(cert));
    if (!subject || !issuer) {
        const auto errors = log_openssl_failure("X509_NAME_print_ex", name);
        return make_error(Errc::crypto_error,
                          fmt::format("{}: {}", name, with_reason("cannot print a name", errors)));
    }
    info.subject = std::move(*subject);
    info.issuer = std::move(*issuer);
    info.serial = serial_to_hex(X509_get0_serialNumber(cert));

    const auto not_before = asn1_time_to_time_point(X509_get0_notBefore(cert));
    const auto not_after = asn1_time_to_time_point(X509_get0_notAfter(cert));
    if (!not_before || !not_after) {
        const auto errors = log_openssl_failure("ASN1_TIME_to_tm", name);
        return make_error(Errc::parse_error,
                          fmt::format("{}: {}", name,
                                      with_reason(!not_before ? "invalid notBefore time"
                                                              : "invalid notAfter time",
                                                  errors)));
    }
    info.not_before = *not_before;
    info.not_after = *not_after;

    const Digests& md = digests();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(cert, md.sha1, digest.data(), &length) != 1) {
        const auto errors = log_openssl_failure("X509_digest(SHA-1)", name);
        return make_error(Errc::crypto_error,
                          fmt::format("{}: {}", name, with_reason("cannot hash", errors)));
    }
    append_hex(info.sha1, digest.data(), length);
    if (X509_digest(cert, md.sha256, digest.data(), &length) != 1) {
        const auto errors = log_openssl_failure("X509_digest(SHA-256)", name);
        return make_error(Errc::crypto_error,
                          fmt::format("{}: {}", name, with_reason("cannot hash", errors)));
    }
    append_hex(info.sha256, digest.data(), length);

    // Caches the extensions; EXFLAG_CA is set exactly when basicConstraints says cA TRUE.
    const std::uint32_t flags = X509_get_extension_flags(cert);
    info.is_ca = (flags & EXFLAG_CA) != 0;
    const std::uint32_t usage = X509_get_key_usage(cert);
    if (usage != UINT32_MAX) info.key_usage = key_usage_names(usage);
    ERR_clear_error();  // extension caching may queue notes about odd extensions
    return info;
}

// ---------------------------------------------------------------------------------------------
// DER framing

struct DerFrame {
    bool definite = false;  // false: indefinite length (BER), size unknown
    std::size_t total = 0;  // header + content
    std::size_t header = 0;
    unsigned char first_inner_tag = 0;  // 0 when unknown
};

// Reads the outer SEQUENCE header. nullopt when the bytes do not start like DER at all.
std::optional<DerFrame> read_der_frame(std::string_view bytes) {
    if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 0x30) return std::nullopt;
    DerFrame frame;
    const auto first_length = static_cast<unsigned char>(bytes[1]);
    if (first_length < 0x80) {
        frame.definite = true;
        frame.header = 2;
        frame.total = 2 + first_length;
    } else if (first_length == 0x80) {
        frame.header = 2;
    } else {
        const std::size_t count = first_length & 0x7FU;
        if (count > 4) return std::nullopt;
        if (bytes.size() < 2 + count) {
            frame.header = 2 + count;
            frame.definite = true;
            frame.total = SIZE_MAX;
            return frame;
        }
        std::size_t length = 0;
        for (std::size_t i = 0; i < count; ++i) {
            length = (length << 8U) | static_cast<unsigned char>(bytes[2 + i]);
        }
        frame.definite = true;
        frame.header = 2 + count;
        frame.total = frame.header + length;
    }
    if (bytes.size() > frame.header) {
        frame.first_inner_tag = static_cast<unsigned char>(bytes[frame.header]);
    }
    return frame;
}

std::string truncation_message(std::string_view name, const DerFrame& frame, std::size_t size) {
    if (frame.total == SIZE_MAX) {
        return fmt::format("{}: truncated: the DER header is cut off after {} bytes", name, size);
    }
    return fmt::format("{}: truncated: the DER structure declares {} bytes but only {} are present",
                       name, frame.total, size);
}

// ---------------------------------------------------------------------------------------------
// DER certificates
//
// OpenSSL 3.0's d2i_X509 also decodes the subject public key, through the provider decoder
// machinery; measured, that is three quarters of the time spent reading a certificate, and
// credwatch never uses the key. So the fast path walks the certificate's DER structure here and
// has OpenSSL decode only the fields that are reported (names, serial, validity, extensions);
// the thumbprints are hashed over the certificate's bytes exactly as stored (what Windows shows).
// Anything the walk does not accept (BER, odd tags, a field OpenSSL refuses) goes through
// d2i_X509 instead, which either reads it or gives OpenSSL's reason.

struct Tlv {
    unsigned char tag = 0;
    std::string_view whole;  // header + content
    std::string_view content;
};

enum class TlvStatus { ok, truncated, malformed };

unsigned char byte_at(std::string_view bytes, std::size_t i) {
    return static_cast<unsigned char>(bytes[i]);
}

// Reads one definite-length TLV (low tag number) from the front of `in`.
TlvStatus read_tlv(std::string_view& in, Tlv& out) {
    if (in.empty()) return TlvStatus::malformed;
    if (in.size() < 2) return TlvStatus::truncated;
    const unsigned char tag = byte_at(in, 0);
    if ((tag & 0x1FU) == 0x1FU) return TlvStatus::malformed;
    std::size_t length = byte_at(in, 1);
    std::size_t header = 2;
    if ((length & 0x80U) != 0) {
        const std::size_t count = length & 0x7FU;
        if (count == 0 || count > 4) return TlvStatus::malformed;  // indefinite (BER) or absurd
        if (in.size() < 2 + count) return TlvStatus::truncated;
        length = 0;
        for (std::size_t i = 0; i < count; ++i) length = (length << 8U) | byte_at(in, 2 + i);
        header += count;
    }
    if (in.size() - header < length) return TlvStatus::truncated;
    out.tag = tag;
    out.whole = in.substr(0, header + length);
    out.content = in.substr(header, length);
    in.remove_prefix(header + length);
    return TlvStatus::ok;
}

bool expect(std::string_view& in, unsigned char tag, Tlv& out) {
    return read_tlv(in, out) == TlvStatus::ok && out.tag == tag;
}

bool next_tag_is(std::string_view in, unsigned char tag) {
    return !in.empty() && byte_at(in, 0) == tag;
}

constexpr unsigned char kSequence = 0x30;
constexpr unsigned char kInteger = 0x02;
constexpr unsigned char kBitString = 0x03;
constexpr unsigned char kUtcTime = 0x17;
constexpr unsigned char kGeneralizedTime = 0x18;

// The whole TLVs of the fields credwatch reports.
struct CertificateFields {
    std::string_view der;  // the certificate itself, without anything after it
    std::string_view serial;
    std::string_view issuer;
    std::string_view not_before;
    std::string_view not_after;
    std::string_view subject;
    std::string_view extensions;  // SEQUENCE OF Extension; empty when the certificate has none
};

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity,
//   subject, subjectPublicKeyInfo, [1] issuerUniqueID OPTIONAL, [2] subjectUniqueID OPTIONAL,
//   [3] extensions OPTIONAL }                                              (RFC 5280, 4.1)
TlvStatus walk_certificate(std::string_view bytes, CertificateFields& fields) {
    Tlv certificate;
    if (const TlvStatus status = read_tlv(bytes, certificate); status != TlvStatus::ok) {
        return status;
    }
    if (certificate.tag != kSequence) return TlvStatus::malformed;
    fields.der = certificate.whole;

    std::string_view body = certificate.content;
    Tlv tbs;
    Tlv algorithm;
    Tlv signature;
    if (!expect(body, kSequence, tbs) || !expect(body, kSequence, algorithm) ||
        !expect(body, kBitString, signature) || !body.empty()) {
        return TlvStatus::malformed;
    }

    std::string_view t = tbs.content;
    Tlv item;
    if (next_tag_is(t, 0xA0) && !expect(t, 0xA0, item)) return TlvStatus::malformed;
    Tlv serial;
    Tlv inner_algorithm;
    Tlv issuer;
    Tlv validity;
    Tlv subject;
    Tlv public_key;
    if (!expect(t, kInteger, serial) || !expect(t, kSequence, inner_algorithm) ||
        !expect(t, kSequence, issuer) || !expect(t, kSequence, validity) ||
        !expect(t, kSequence, subject) || !expect(t, kSequence, public_key)) {
        return TlvStatus::malformed;
    }
    std::string_view v = validity.content;
    Tlv not_before;
    Tlv not_after;
    if (read_tlv(v, not_before) != TlvStatus::ok || read_tlv(v, not_after) != TlvStatus::ok ||
        !v.empty() || (not_before.tag != kUtcTime && not_before.tag != kGeneralizedTime) ||
        (not_after.tag != kUtcTime && not_after.tag != kGeneralizedTime)) {
        return TlvStatus::malformed;
    }
    if (next_tag_is(t, 0x81) && !expect(t, 0x81, item)) return TlvStatus::malformed;
    if (next_tag_is(t, 0x82) && !expect(t, 0x82, item)) return TlvStatus::malformed;
    if (next_tag_is(t, 0xA3)) {
        Tlv wrapper;
        Tlv extensions;
        if (!expect(t, 0xA3, wrapper)) return TlvStatus::malformed;
        std::string_view e = wrapper.content;
        if (!expect(e, kSequence, extensions) || !e.empty()) return TlvStatus::malformed;
        fields.extensions = extensions.whole;
    }
    if (!t.empty()) return TlvStatus::malformed;

    fields.serial = serial.whole;
    fields.issuer = issuer.whole;
    fields.not_before = not_before.whole;
    fields.not_after = not_after.whole;
    fields.subject = subject.whole;
    return TlvStatus::ok;
}

// d2i for one field; empty unless it consumed exactly the field.
template <class Ptr, class Decode>
Ptr decode_field(std::string_view der, Decode decode) {
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    Ptr value(decode(nullptr, &cursor, static_cast<long>(der.size())));
    if (value && cursor != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
        value.reset();
    }
    return value;
}

std::uint32_t key_usage_bits(const ASN1_BIT_STRING* usage) {
    // As OpenSSL's own extension cache computes X509_get_key_usage.
    std::uint32_t bits = 0;
    const int length = ASN1_STRING_length(usage);
    const unsigned char* data = ASN1_STRING_get0_data(usage);
    if (length > 0) bits = data[0];
    if (length > 1) bits |= static_cast<std::uint32_t>(data[1]) << 8U;
    return bits;
}

// The fast path. nullopt: let d2i_X509 have a go.
std::optional<CertificateInfo> describe_fields(const CertificateFields& fields) {
    const auto issuer = decode_field<ossl::X509NamePtr>(fields.issuer, &d2i_X509_NAME);
    const auto subject = decode_field<ossl::X509NamePtr>(fields.subject, &d2i_X509_NAME);
    const auto serial = decode_field<ossl::Asn1IntegerPtr>(fields.serial, &d2i_ASN1_INTEGER);
    const auto not_before = decode_field<ossl::Asn1TimePtr>(fields.not_before, &d2i_ASN1_TIME);
    const auto not_after = decode_field<ossl::Asn1TimePtr>(fields.not_after, &d2i_ASN1_TIME);
    if (!issuer || !subject || !serial || !not_before || !not_after) return std::nullopt;

    CertificateInfo info;
    auto subject_text = name_to_utf8(subject.get());
    auto issuer_text = name_to_utf8(issuer.get());
    const auto not_before_time = asn1_time_to_time_point(not_before.get());
    const auto not_after_time = asn1_time_to_time_point(not_after.get());
    if (!subject_text || !issuer_text || !not_before_time || !not_after_time) return std::nullopt;
    info.subject = std::move(*subject_text);
    info.issuer = std::move(*issuer_text);
    info.serial = serial_to_hex(serial.get());
    info.not_before = *not_before_time;
    info.not_after = *not_after_time;

    if (!fields.extensions.empty()) {
        const auto extensions =
            decode_field<ossl::ExtensionStackPtr>(fields.extensions, &d2i_X509_EXTENSIONS);
        if (!extensions) return std::nullopt;
        int critical = 0;
        const ossl::BasicConstraintsPtr constraints(static_cast<BASIC_CONSTRAINTS*>(
            X509V3_get_d2i(extensions.get(), NID_basic_constraints, &critical, nullptr)));
        info.is_ca = constraints && constraints->ca != 0;
        const ossl::Asn1BitStringPtr usage(static_cast<ASN1_BIT_STRING*>(
            X509V3_get_d2i(extensions.get(), NID_key_usage, &critical, nullptr)));
        if (usage) info.key_usage = key_usage_names(key_usage_bits(usage.get()));
    }

    const Digests& md = digests();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(fields.der.data(), fields.der.size(), digest.data(), &length, md.sha1,
                   nullptr) != 1) {
        return std::nullopt;
    }
    append_hex(info.sha1, digest.data(), length);
    if (EVP_Digest(fields.der.data(), fields.der.size(), digest.data(), &length, md.sha256,
                   nullptr) != 1) {
        return std::nullopt;
    }
    append_hex(info.sha256, digest.data(), length);
    return info;
}

// The full OpenSSL path: d2i_X509, then the same fields from the X509 object.
Result<CertificateInfo> parse_der_with_openssl(std::string_view bytes, std::string_view name) {
    ERR_clear_error();
    const auto* cursor = reinterpret_cast<const unsigned char*>(bytes.data());
    ossl::X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(bytes.size())));
    if (!cert) {
        const auto errors = log_openssl_failure("d2i_X509", name);
        if (errors.truncated) {
            return make_error(
                Errc::parse_error,
                fmt::format("{}: {}", name, with_reason("truncated DER certificate", errors)));
        }
        return make_error(
            Errc::parse_error,
            fmt::format("{}: {}", name, with_reason("not a certificate: malformed DER", errors)));
    }
    return describe(cert.get(), name);
}

Result<CertificateInfo> parse_der_certificate(std::string_view bytes, std::string_view name) {
    CertificateFields fields;
    switch (walk_certificate(bytes, fields)) {
        case TlvStatus::ok:
            if (auto info = describe_fields(fields)) return std::move(*info);
            ERR_clear_error();
            break;
        case TlvStatus::truncated: {
            const auto frame = read_der_frame(bytes);
            if (frame && frame->definite)
                return make_error(Errc::parse_error,
                                  truncation_message(name, *frame, bytes.size()));
            return make_error(Errc::parse_error,
                              fmt::format("{}: truncated DER certificate", name));
        }
        case TlvStatus::malformed:
            break;
    }
    return parse_der_with_openssl(bytes, name);
}

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

// Every CERTIFICATE block (also "X509 CERTIFICATE" and "TRUSTED CERTIFICATE", whose trust
// settings after the certificate are ignored); other blocks (keys, CRLs) are skipped.
Result<std::vector<CertificateInfo>> parse_pem(std::string_view bytes, std::string_view name) {
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
        const bool certificate = is_certificate_label(label);
        if (end == std::string_view::npos) {
            if (!certificate) break;  // a cut key block at the end: nothing after it
            return make_error(Errc::parse_error,
                              fmt::format("{}: truncated PEM: certificate {} has no END line", name,
                                          certificates.size() + 1));
        }
        position = end + kEnd.size() + label.size() + kDashes.size();
        if (!certificate) continue;
        if (!decode_base64(bytes.substr(body_start, end - body_start), der)) {
            return make_error(Errc::parse_error,
                              fmt::format("{}: malformed PEM: certificate {} is not base64", name,
                                          certificates.size() + 1));
        }
        if (der.empty()) {
            return make_error(Errc::parse_error,
                              fmt::format("{}: malformed PEM: certificate {} is empty", name,
                                          certificates.size() + 1));
        }
        auto info = parse_der_certificate(der, name);
        if (!info) return info.error();
        certificates.push_back(std::move(*info));
    }
    if (certificates.empty()) {
        return make_error(Errc::parse_error,
                          fmt::format("{}: not a certificate: the PEM file holds no CERTIFICATE "
                                      "block",
                                      name));
    }
    return certificates;
}

// ---------------------------------------------------------------------------------------------
// PKCS#12

// A password that is wiped from memory when it goes away.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    ~Secret() { wipe(); }
    void wipe() noexcept {
        if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
        value_.clear();
    }
    std::string& value() { return value_; }
    const std::string& value() const { return value_; }

  private:
    std::string value_;
};

// Where the password for a PKCS#12 file comes from.
struct PasswordSource {
    const Secret* from_file = nullptr;  // the stripped content of the .pass file, if any
    std::string pass_file_name;         // "client1423.pass", for messages; empty in memory
};

struct Pkcs12Password {
    const char* pass = nullptr;  // nullptr: the NULL password (zero-length BMPString)
    int length = 0;
};

// Strips a UTF-8 BOM and trailing CR, LF, spaces and tabs.
void normalise_password(std::string& text) {
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
        OPENSSL_cleanse(text.data(), 3);
        text.erase(0, 3);
    }
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ' ||
                             text.back() == '\t')) {
        text.back() = '\0';
        text.pop_back();
    }
}

std::string needs_password_message(std::string_view name, const PasswordSource& source) {
    if (source.pass_file_name.empty()) {
        return fmt::format("{}: needs a password", name);
    }
    return fmt::format("{}: needs a password: no {} beside it", name, source.pass_file_name);
}

std::string wrong_password_message(std::string_view name, const PasswordSource& source) {
    return fmt::format("{}: the password in {} does not open it", name, source.pass_file_name);
}

// Candidate passwords in the order tried: the .pass file, or else NULL and "".
std::vector<Pkcs12Password> candidate_passwords(const PasswordSource& source) {
    if (source.from_file != nullptr) {
        const std::string& value = source.from_file->value();
        return {Pkcs12Password{value.c_str(), static_cast<int>(value.size())}};
    }
    return {Pkcs12Password{nullptr, 0}, Pkcs12Password{"", 0}};
}

Error password_error(std::string_view name, const PasswordSource& source) {
    if (source.from_file != nullptr) {
        return make_error(Errc::password_wrong, wrong_password_message(name, source));
    }
    return make_error(Errc::password_missing, needs_password_message(name, source));
}

Status collect_bag_certificates(const STACK_OF(PKCS12_SAFEBAG) * bags, std::string_view name,
                                std::vector<CertificateInfo>& out, int depth) {
    if (depth > 8) {
        return make_error(Errc::parse_error,
                          fmt::format("{}: PKCS#12 safe contents nested too deeply", name));
    }
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
        const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const int nid = PKCS12_SAFEBAG_get_nid(bag);
        if (nid == NID_safeContentsBag) {
            auto nested =
                collect_bag_certificates(PKCS12_SAFEBAG_get0_safes(bag), name, out, depth + 1);
            if (!nested) return nested;
            continue;
        }
        if (nid != NID_certBag || PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) continue;
        ossl::X509Ptr cert(PKCS12_SAFEBAG_get1_cert(bag));
        if (!cert) {
            const auto errors = log_openssl_failure("PKCS12_SAFEBAG_get1_cert", name);
            return make_error(Errc::parse_error,
                              fmt::format("{}: {}", name,
                                          with_reason("malformed certificate in PKCS#12", errors)));
        }
        auto info = describe(cert.get(), name);
        if (!info) return info.error();
        out.push_back(std::move(*info));
    }
    return {};
}

// Decrypts the certificate bags with one password. Only certificate bags are decrypted; the
// private key is left alone.
struct ExtractFailure {
    Error error;
    bool decryption_failed = false;  // the password may be the cause
};

boost::system::result<std::vector<CertificateInfo>, ExtractFailure> extract_certificates(
    PKCS12* p12, const Pkcs12Password& password, std::string_view name) {
    ERR_clear_error();
    ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12));
    if (!safes) {
        const auto errors = log_openssl_failure("PKCS12_unpack_authsafes", name);
        return ExtractFailure{
            make_error(Errc::parse_error,
                       fmt::format("{}: {}", name, with_reason("malformed PKCS#12", errors))),
            false};
    }
    std::vector<CertificateInfo> certificates;
    for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes.get(), i);
        ossl::SafeBagStackPtr bags;
        if (PKCS7_type_is_data(safe)) {
            bags.reset(PKCS12_unpack_p7data(safe));
            if (!bags) {
                const auto errors = log_openssl_failure("PKCS12_unpack_p7data", name);
                return ExtractFailure{
                    make_error(
                        Errc::parse_error,
                        fmt::format("{}: {}", name, with_reason("malformed PKCS#12", errors))),
                    false};
            }
        } else if (PKCS7_type_is_encrypted(safe)) {
            bags.reset(PKCS12_unpack_p7encdata(safe, password.pass, password.length));
            if (!bags) {
                const auto errors = log_openssl_failure("PKCS12_unpack_p7encdata", name);
                if (errors.unsupported) {
                    return ExtractFailure{
                        make_error(Errc::crypto_error,
                                   fmt::format("{}: {}", name,
                                               with_reason("encrypted with an algorithm this "
                                                           "OpenSSL cannot use (is the legacy "
                                                           "provider available?)",
                                                           errors))),
                        false};
                }
                return ExtractFailure{
                    make_error(Errc::parse_error,
                               fmt::format("{}: {}", name,
                                           with_reason("cannot decrypt the certificates", errors))),
                    true};
            }
        } else {
            continue;  // enveloped data (public-key privacy mode) is not used for certificates
        }
        auto status = collect_bag_certificates(bags.get(), name, certificates, 0);
        if (!status) return ExtractFailure{status.error(), false};
    }
    if (certificates.empty()) {
        return ExtractFailure{
            make_error(Errc::parse_error,
                       fmt::format("{}: the PKCS#12 file holds no certificate", name)),
            false};
    }
    return certificates;
}

Result<std::vector<CertificateInfo>> parse_pkcs12(std::string_view bytes, std::string_view name,
                                                  const PasswordSource& source) {
    load_openssl_providers();
    ERR_clear_error();
    const auto* cursor = reinterpret_cast<const unsigned char*>(bytes.data());
    ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(bytes.size())));
    if (!p12) {
        const auto errors = log_openssl_failure("d2i_PKCS12", name);
        return make_error(
            Errc::parse_error,
            fmt::format(
                "{}: {}", name,
                with_reason(errors.truncated ? "truncated PKCS#12" : "malformed PKCS#12", errors)));
    }

    const auto candidates = candidate_passwords(source);
    if (PKCS12_mac_present(p12.get()) == 1) {
        // The MAC tells a right password from a wrong one before anything is decrypted.
        for (const auto& candidate : candidates) {
            ERR_clear_error();
            if (PKCS12_verify_mac(p12.get(), candidate.pass, candidate.length) == 1) {
                auto extracted = extract_certificates(p12.get(), candidate, name);
                if (extracted) return std::move(*extracted);
                return extracted.error().error;
            }
            if (ERR_peek_error() != 0) {
                // Not a mismatch: the MAC could not be computed (unknown digest, bad encoding).
                const auto errors = log_openssl_failure("PKCS12_verify_mac", name);
                return make_error(
                    errors.unsupported ? Errc::crypto_error : Errc::parse_error,
                    fmt::format("{}: {}", name,
                                with_reason("cannot check the PKCS#12 integrity MAC", errors)));
            }
        }
        return password_error(name, source);
    }

    // No MAC: a wrong password shows up as a failed decryption.
    for (const auto& candidate : candidates) {
        auto extracted = extract_certificates(p12.get(), candidate, name);
        if (extracted) return std::move(*extracted);
        if (!extracted.error().decryption_failed) return extracted.error().error;
    }
    return password_error(name, source);
}

// ---------------------------------------------------------------------------------------------
// Files

Result<std::string> read_whole_file(const std::filesystem::path& path, std::string_view name) {
    const auto fail = [&](int error_number) -> Error {
        const Errc code = error_number == ENOENT ? Errc::not_found : Errc::io_error;
        return make_error(code, fmt::format("{}: cannot read: {}", name,
                                            std::generic_category().message(error_number)));
    };
    std::string content;
#ifndef _WIN32
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(errno);
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(errno);
    if (S_ISDIR(st.st_mode)) return fail(EISDIR);
    if (static_cast<std::uint64_t>(st.st_size) > kMaxFileSize) {
        return make_error(Errc::parse_error,
                          fmt::format("{}: not a certificate: {} bytes is too large", name,
                                      static_cast<std::uint64_t>(st.st_size)));
    }
    // One read for the expected size, then more if the file grew meanwhile.
    content.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t used = 0;
    for (;;) {
        if (used == content.size()) {
            if (content.size() > kMaxFileSize) {
                return make_error(Errc::parse_error,
                                  fmt::format("{}: not a certificate: too large", name));
            }
            content.resize(content.size() * 2);
        }
        const ssize_t n = ::read(fd, content.data() + used, content.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(errno);
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    content.resize(used);
#else
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return fail(EISDIR);
    std::FILE* file = ::_wfopen(path.c_str(), L"rb");
    if (file == nullptr) return fail(errno);
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, &std::fclose);
    std::array<char, 16384> buffer{};
    for (;;) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
        content.append(buffer.data(), n);
        if (content.size() > kMaxFileSize) {
            return make_error(Errc::parse_error,
                              fmt::format("{}: not a certificate: too large", name));
        }
        if (n < buffer.size()) {
            if (std::ferror(file) != 0) return fail(EIO);
            break;
        }
    }
#endif
    return content;
}

enum class Format { pem, der_certificate, pkcs12, unknown };

Format detect_format(std::string_view bytes, const std::optional<DerFrame>& frame) {
    if (frame && frame->definite && frame->total == bytes.size()) {
        return frame->first_inner_tag == 0x02 ? Format::pkcs12 : Format::der_certificate;
    }
    if (bytes.find("-----BEGIN ") != std::string_view::npos) return Format::pem;
    if (frame) return frame->first_inner_tag == 0x02 ? Format::pkcs12 : Format::der_certificate;
    return Format::unknown;
}

struct ParseOutcome {
    Result<std::vector<CertificateInfo>> result{std::vector<CertificateInfo>{}};
    bool pkcs12 = false;
};

// The shared parser. password_loader is called only for PKCS#12 content.
template <class PasswordLoader>
ParseOutcome parse_any(std::string_view bytes, std::string_view name,
                       PasswordLoader&& password_loader) {
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
    if ((format == Format::der_certificate || format == Format::pkcs12) && frame &&
        frame->definite && frame->total > bytes.size()) {
        outcome.pkcs12 = format == Format::pkcs12;
        outcome.result =
            make_error(Errc::parse_error, truncation_message(name, *frame, bytes.size()));
        return outcome;
    }
    switch (format) {
        case Format::pem:
            outcome.result = parse_pem(bytes, name);
            break;
        case Format::der_certificate: {
            auto info = parse_der_certificate(bytes, name);
            if (info) {
                outcome.result = std::vector<CertificateInfo>{std::move(*info)};
            } else {
                outcome.result = info.error();
            }
            break;
        }
        case Format::pkcs12: {
            outcome.pkcs12 = true;
            auto source = password_loader();
            if (!source) {
                outcome.result = source.error();
                break;
            }
            outcome.result = parse_pkcs12(bytes, name, source->source);
            break;
        }
        case Format::unknown:
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

bool load_openssl_providers() {
    static const Providers providers = load_providers();
    return providers.legacy_provider != nullptr;
}

bool is_certificate_extension(const std::filesystem::path& path) {
    return detail::has_certificate_extension(detail::path_to_utf8(path.filename()));
}

Result<CertificateInfo> describe_der(std::string_view der) {
    const std::string_view name = "DER certificate";
    if (der.empty()) {
        return make_error(Errc::parse_error, fmt::format("{}: not a certificate: empty", name));
    }
    if (const auto frame = read_der_frame(der);
        frame && frame->definite && frame->total > der.size()) {
        return make_error(Errc::parse_error, truncation_message(name, *frame, der.size()));
    }
    return parse_der_certificate(der, name);
}

Result<std::vector<CertificateInfo>> read_certificates(std::string_view bytes,
                                                       std::string_view name_for_errors) {
    return parse_any(bytes, name_for_errors,
                     [] { return Result<LoadedPassword>(LoadedPassword{}); })
        .result;
}

Result<std::vector<CertificateInfo>> read_certificate_file(const std::filesystem::path& path) {
    return detail::read_certificate_file_detailed(path).result;
}

namespace detail {

std::string path_to_utf8(const std::filesystem::path& path) {
    const std::u8string text = path.u8string();
    return std::string(reinterpret_cast<const char*>(text.data()), text.size());
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
    static constexpr std::array<std::string_view, 6> kExtensions = {"pem", "crt", "cer",
                                                                    "der", "p12", "pfx"};
    const std::string_view text(lower.data(), lower.size());
    return std::find(kExtensions.begin(), kExtensions.end(), text) != kExtensions.end();
}

std::filesystem::path password_file_for(const std::filesystem::path& path) {
    auto pass = path;
    pass.replace_extension(".pass");
    return pass;
}

FileReadOutcome read_certificate_file_detailed(const std::filesystem::path& path) {
    const std::string name = path_to_utf8(path);
    FileReadOutcome outcome;
    auto content = read_whole_file(path, name);
    if (!content) {
        outcome.result = content.error();
        return outcome;
    }
    Secret password;
    auto loader = [&]() -> Result<LoadedPassword> {
        const auto pass_path = password_file_for(path);
        LoadedPassword loaded;
        loaded.source.pass_file_name = path_to_utf8(pass_path.filename());
        std::error_code ec;
        const bool exists = std::filesystem::exists(pass_path, ec);
        if (!exists) return loaded;  // no .pass: try the empty passwords
        auto text = read_whole_file(pass_path, path_to_utf8(pass_path));
        if (!text) {
            return make_error(Errc::io_error, fmt::format("{}: cannot read its password file {}",
                                                          name, loaded.source.pass_file_name));
        }
        password.value() = std::move(*text);
        normalise_password(password.value());
        loaded.source.from_file = &password;
        return loaded;
    };
    auto parsed = parse_any(*content, name, loader);
    outcome.result = std::move(parsed.result);
    outcome.pkcs12 = parsed.pkcs12;
    return outcome;
}

}  // namespace detail

}  // namespace credwatch
