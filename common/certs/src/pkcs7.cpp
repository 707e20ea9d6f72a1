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
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch::detail {

namespace {

using Pkcs7Ptr = std::unique_ptr<PKCS7, ossl::Deleter<&PKCS7_free>>;

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
