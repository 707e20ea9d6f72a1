// PKCS#7 certificate bundles (.p7b, .p7c): the certificates of a signedData, as Windows exports
// a certificate "with all certificates in the path". Nothing is verified: a bundle carries
// certificates, not a signature credwatch relies on.

#include "certificate_parts.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch::detail {

namespace {

using Pkcs7Ptr = std::unique_ptr<PKCS7, ossl::Deleter<&PKCS7_free>>;

// The certificates of a DER signedData, found by walking its structure; nullopt for anything
// the walk does not take (BER, another content type, certificate choices other than plain
// certificates), which d2i_PKCS7 then reads or refuses with its reason. Measured on a bundle
// of 100,000 certificates, d2i_PKCS7 takes nine times as long and five times the memory of
// the same certificates in PEM, because it decodes every public key; this way a bundle costs
// what a PEM file costs.
//   ContentInfo ::= SEQUENCE { contentType OID, [0] EXPLICIT SignedData }
//   SignedData ::= SEQUENCE { version INTEGER, digestAlgorithms SET, contentInfo SEQUENCE,
//     [0] IMPLICIT certificates OPTIONAL, [1] IMPLICIT crls OPTIONAL, signerInfos SET }
std::optional<std::vector<std::string_view>> walk_signed_data(std::string_view bytes) {
    // 1.2.840.113549.1.7.2
    constexpr std::string_view kSignedDataOid = "\x2A\x86\x48\x86\xF7\x0D\x01\x07\x02";
    const auto expect = [](std::string_view& in, unsigned char tag, Tlv& out) {
        return read_tlv(in, out) == TlvStatus::ok && out.tag == tag;
    };
    Tlv content_info;
    Tlv type;
    Tlv wrapper;
    Tlv signed_data;
    if (!expect(bytes, 0x30, content_info) || !bytes.empty()) return std::nullopt;
    std::string_view body = content_info.content;
    if (!expect(body, 0x06, type) || type.content != kSignedDataOid ||
        !expect(body, 0xA0, wrapper) || !body.empty()) {
        return std::nullopt;
    }
    std::string_view inner = wrapper.content;
    if (!expect(inner, 0x30, signed_data) || !inner.empty()) return std::nullopt;
    std::string_view fields = signed_data.content;
    Tlv item;
    if (!expect(fields, 0x02, item) || !expect(fields, 0x31, item) || !expect(fields, 0x30, item)) {
        return std::nullopt;
    }
    std::vector<std::string_view> certificates;
    if (!fields.empty() && static_cast<unsigned char>(fields[0]) == 0xA0) {
        Tlv set;
        if (!expect(fields, 0xA0, set)) return std::nullopt;
        std::string_view rest = set.content;
        while (!rest.empty()) {
            Tlv certificate;
            if (!expect(rest, 0x30, certificate)) return std::nullopt;
            certificates.push_back(certificate.whole);
        }
    }
    if (!fields.empty() && static_cast<unsigned char>(fields[0]) == 0xA1 &&
        !expect(fields, 0xA1, item)) {
        return std::nullopt;
    }
    if (!expect(fields, 0x31, item) || !fields.empty()) return std::nullopt;
    return certificates;
}

std::string content_type_name(const PKCS7* p7) {
    const int nid = OBJ_obj2nid(p7->type);
    if (nid != NID_undef) return OBJ_nid2sn(nid);
    char text[128] = {};
    OBJ_obj2txt(text, sizeof text, p7->type, 1);
    return text;
}

}  // namespace

Result<std::vector<CertificateInfo>> parse_pkcs7(std::string_view bytes, std::string_view name,
                                                 std::vector<std::string>* ders) {
    if (const auto walked = walk_signed_data(bytes); walked && !walked->empty()) {
        std::vector<CertificateInfo> out;
        out.reserve(walked->size());
        for (const std::string_view der : *walked) {
            CW_TRY_ASSIGN(info, parse_der_certificate(der, name));
            out.push_back(std::move(info));
        }
        if (ders) ders->insert(ders->end(), walked->begin(), walked->end());
        return out;
    }
    ERR_clear_error();
    const auto* cursor = reinterpret_cast<const unsigned char*>(bytes.data());
    Pkcs7Ptr p7(d2i_PKCS7(nullptr, &cursor, static_cast<long>(bytes.size())));
    if (!p7) {
        const auto errors = log_openssl_failure("d2i_PKCS7", name);
        return make_error(Errc::parse_error,
                          fmt::format("{}: {}", name,
                                      with_reason(errors.truncated ? "truncated PKCS#7 bundle"
                                                                   : "malformed PKCS#7 bundle",
                                                  errors)));
    }
    if (PKCS7_type_is_signed(p7.get()) == 0) {
        return make_error(Errc::parse_error,
                          fmt::format("{}: not a certificate bundle: the PKCS#7 content is {}, "
                                      "not signedData",
                                      name, content_type_name(p7.get())));
    }
    const STACK_OF(X509)* certificates =
        p7->d.sign != nullptr ? p7->d.sign->cert : nullptr;  // absent: no [0] certificates
    const int count = certificates != nullptr ? sk_X509_num(certificates) : 0;
    if (count <= 0) {
        return make_error(Errc::parse_error,
                          fmt::format("{}: the PKCS#7 bundle holds no certificate", name));
    }
    std::vector<CertificateInfo> out;
    std::vector<std::string> encoded;  // handed over only when every certificate was read
    out.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        X509* cert = sk_X509_value(certificates, i);
        CW_TRY_ASSIGN(info, describe(cert, name));
        out.push_back(std::move(info));
        if (!ders) continue;
        unsigned char* der = nullptr;
        const int length = i2d_X509(cert, &der);
        if (length <= 0) {
            const auto errors = log_openssl_failure("i2d_X509", name);
            return make_error(
                Errc::crypto_error,
                fmt::format("{}: {}", name, with_reason("cannot encode a certificate", errors)));
        }
        const ossl::OpensslBuffer<unsigned char> owned(der);
        encoded.emplace_back(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    }
    if (ders) std::move(encoded.begin(), encoded.end(), std::back_inserter(*ders));
    return out;
}

}  // namespace credwatch::detail
