// DER certificates: the fields credwatch reports (names, serial, validity, digests, key
// usage), read by a walk of the DER or, failing that, by OpenSSL's d2i_X509.

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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch {

namespace detail {

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

// OpenSSL's short names ("clientAuth"), or the dotted OID of a purpose it has no name for.
std::vector<std::string> extended_key_usage_names(void* decoded) {
    std::unique_ptr<EXTENDED_KEY_USAGE, void (*)(EXTENDED_KEY_USAGE*)> usage(
        static_cast<EXTENDED_KEY_USAGE*>(decoded), &EXTENDED_KEY_USAGE_free);
    std::vector<std::string> names;
    if (!usage) return names;
    for (int i = 0; i < sk_ASN1_OBJECT_num(usage.get()); ++i) {
        const ASN1_OBJECT* purpose = sk_ASN1_OBJECT_value(usage.get(), i);
        const int nid = OBJ_obj2nid(purpose);
        if (nid != NID_undef) {
            if (const char* name = OBJ_nid2sn(nid)) {
                names.emplace_back(name);
                continue;
            }
        }
        std::array<char, 128> dotted{};
        if (OBJ_obj2txt(dotted.data(), static_cast<int>(dotted.size()), purpose, 1) > 0)
            names.emplace_back(dotted.data());
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
    info.extended_key_usage =
        extended_key_usage_names(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
    ERR_clear_error();  // extension caching may queue notes about odd extensions
    return info;
}

// ---------------------------------------------------------------------------------------------
// DER framing

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
        info.extended_key_usage = extended_key_usage_names(
            X509V3_get_d2i(extensions.get(), NID_ext_key_usage, &critical, nullptr));
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

}  // namespace detail

Result<CertificateInfo> describe_der(std::string_view der) {
    const std::string_view name = "DER certificate";
    if (der.empty()) {
        return make_error(Errc::parse_error, fmt::format("{}: not a certificate: empty", name));
    }
    if (const auto frame = detail::read_der_frame(der);
        frame && frame->definite && frame->total > der.size()) {
        return make_error(Errc::parse_error, detail::truncation_message(name, *frame, der.size()));
    }
    return detail::parse_der_certificate(der, name);
}

}  // namespace credwatch
