#include "cert_factory.hpp"

#include "credwatch/certs/certificate.hpp"
#include "credwatch/certs/openssl_raii.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>

namespace credwatch::test {

namespace {

using ossl::Asn1IntegerPtr;
using ossl::Asn1TimePtr;
using ossl::BignumPtr;
using ossl::BioPtr;
using ossl::OpensslBuffer;
using ossl::Pkcs12Ptr;
using ossl::X509ExtensionPtr;
using ossl::X509NamePtr;

// A stack of certificates borrowed from TestCerts: only the stack is freed, not the certificates
// (ossl::X509StackPtr frees both).
struct BorrowedX509StackDeleter {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
using BorrowedX509StackPtr = std::unique_ptr<STACK_OF(X509), BorrowedX509StackDeleter>;

[[noreturn]] void fail(const std::string& what) {
    std::string text = "cert_factory: " + what + " failed";
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        std::array<char, 256> buffer{};
        ERR_error_string_n(code, buffer.data(), buffer.size());
        text += "; ";
        text += buffer.data();
    }
    throw std::runtime_error(text);
}

template <class T>
T* check(T* p, const char* what) {
    if (p == nullptr) fail(what);
    return p;
}

void check(int rc, const char* what) {
    if (rc <= 0) fail(what);
}

std::string bio_text(BIO* bio) {
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio, &mem);
    return mem == nullptr ? std::string() : std::string(mem->data, mem->length);
}

// UTF-8 to UCS-2 big-endian, the content of a BMPString (BMP characters only).
std::string utf8_to_ucs2be(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto c0 = static_cast<unsigned char>(text[i]);
        std::uint32_t code = 0;
        std::size_t length = 0;
        if (c0 < 0x80) {
            code = c0;
            length = 1;
        } else if ((c0 & 0xE0U) == 0xC0U) {
            code = c0 & 0x1FU;
            length = 2;
        } else if ((c0 & 0xF0U) == 0xE0U) {
            code = c0 & 0x0FU;
            length = 3;
        } else {
            throw std::runtime_error("cert_factory: BMPString needs characters from the BMP");
        }
        if (i + length > text.size()) throw std::runtime_error("cert_factory: bad UTF-8");
        for (std::size_t k = 1; k < length; ++k) {
            code = (code << 6U) | (static_cast<unsigned char>(text[i + k]) & 0x3FU);
        }
        out.push_back(static_cast<char>(code >> 8U));
        out.push_back(static_cast<char>(code & 0xFFU));
        i += length;
    }
    return out;
}

const unsigned char* uchars(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

X509NamePtr make_name(const CertSpec& spec) {
    X509NamePtr name(check(X509_NAME_new(), "X509_NAME_new"));
    if (!spec.country.empty()) {
        check(X509_NAME_add_entry_by_NID(name.get(), NID_countryName, MBSTRING_ASC,
                                         uchars(spec.country),
                                         static_cast<int>(spec.country.size()), -1, 0),
              "X509_NAME_add_entry_by_NID(C)");
    }
    if (!spec.organization.empty()) {
        check(X509_NAME_add_entry_by_NID(name.get(), NID_organizationName, MBSTRING_UTF8,
                                         uchars(spec.organization),
                                         static_cast<int>(spec.organization.size()), -1, 0),
              "X509_NAME_add_entry_by_NID(O)");
    }
    if (spec.common_name_bmp) {
        const std::string ucs2 = utf8_to_ucs2be(spec.common_name);
        check(X509_NAME_add_entry_by_NID(name.get(), NID_commonName, V_ASN1_BMPSTRING, uchars(ucs2),
                                         static_cast<int>(ucs2.size()), -1, 0),
              "X509_NAME_add_entry_by_NID(CN, BMPString)");
    } else {
        check(X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                         uchars(spec.common_name),
                                         static_cast<int>(spec.common_name.size()), -1, 0),
              "X509_NAME_add_entry_by_NID(CN)");
    }
    return name;
}

// From text "YYYYMMDDHHMMSSZ"; OpenSSL stores it as UTCTime for 1950-2049, as GeneralizedTime
// otherwise (RFC 5280).
Asn1TimePtr asn1_time(const std::string& text) {
    Asn1TimePtr time(check(ASN1_TIME_new(), "ASN1_TIME_new"));
    check(ASN1_TIME_set_string_X509(time.get(), text.c_str()), "ASN1_TIME_set_string_X509");
    return time;
}

// Through text rather than time_t: gmtime on Windows refuses instants before 1970.
Asn1TimePtr asn1_time(TimePoint t) {
    using namespace std::chrono;
    const auto seconds_since_epoch = floor<seconds>(t);
    const auto day = floor<days>(seconds_since_epoch);
    const year_month_day date{day};
    const hh_mm_ss time_of_day{seconds_since_epoch - day};
    char text[32];
    std::snprintf(text, sizeof text, "%04d%02u%02u%02d%02d%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time_of_day.hours().count()),
                  static_cast<int>(time_of_day.minutes().count()),
                  static_cast<int>(time_of_day.seconds().count()));
    return asn1_time(std::string(text));
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    X509ExtensionPtr ext(
        check(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()), "X509V3_EXT_conf_nid"));
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

TestCert build(const CertSpec& spec, const TestCert* issuer) {
    TestKey key = spec.key ? *spec.key : TestKey(spec.key_type);
    std::shared_ptr<X509> cert(check(X509_new(), "X509_new"), &X509_free);
    X509* x = cert.get();
    check(X509_set_version(x, X509_VERSION_3), "X509_set_version");

    BIGNUM* raw_serial = nullptr;
    check(BN_hex2bn(&raw_serial, spec.serial_hex.c_str()), "BN_hex2bn");
    const BignumPtr serial_bn(raw_serial);
    const Asn1IntegerPtr serial(
        check(BN_to_ASN1_INTEGER(serial_bn.get(), nullptr), "BN_to_ASN1_INTEGER"));
    check(X509_set_serialNumber(x, serial.get()), "X509_set_serialNumber");

    const X509NamePtr subject = make_name(spec);
    check(X509_set_subject_name(x, subject.get()), "X509_set_subject_name");
    check(X509_set_issuer_name(
              x, issuer != nullptr ? X509_get_subject_name(issuer->get()) : subject.get()),
          "X509_set_issuer_name");

    const Asn1TimePtr not_before(asn1_time(spec.not_before));
    const Asn1TimePtr not_after =
        spec.not_after_text.empty() ? asn1_time(spec.not_after) : asn1_time(spec.not_after_text);
    check(X509_set1_notBefore(x, not_before.get()), "X509_set1_notBefore");
    check(X509_set1_notAfter(x, not_after.get()), "X509_set1_notAfter");
    check(X509_set_pubkey(x, key.get()), "X509_set_pubkey");

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->get() : x, x, nullptr, nullptr, 0);
    add_extension(x, &ctx, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (!spec.key_usage.empty()) {
        std::string value = "critical";
        for (const auto& usage : spec.key_usage) value += "," + usage;
        add_extension(x, &ctx, NID_key_usage, value);
    }
    if (!spec.extended_key_usage.empty()) {
        std::string value;
        for (const auto& usage : spec.extended_key_usage)
            value += (value.empty() ? "" : ",") + usage;
        add_extension(x, &ctx, NID_ext_key_usage, value);
    }
    add_extension(x, &ctx, NID_subject_key_identifier, "hash");

    EVP_PKEY* signer = issuer != nullptr ? issuer->key().get() : key.get();
    check(X509_sign(x, signer, EVP_sha256()), "X509_sign");
    return TestCert(std::move(cert), std::move(key));
}

std::string digest_hex(std::string_view data, const EVP_MD* md) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    check(EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr), "EVP_Digest");
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex.push_back(kDigits[out[i] >> 4U]);
        hex.push_back(kDigits[out[i] & 0x0FU]);
    }
    return hex;
}

}  // namespace

TestKey::TestKey(KeyType type) {
    EVP_PKEY* key = type == KeyType::rsa2048
                        ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    key_.reset(check(key, "EVP_PKEY_Q_keygen"), &EVP_PKEY_free);
}

std::string TestKey::private_key_pem() const {
    BioPtr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
    check(PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr),
          "PEM_write_bio_PrivateKey");
    return bio_text(bio.get());
}

TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
    using namespace std::chrono;
    const sys_days date{std::chrono::year{year} / std::chrono::month{month} /
                        std::chrono::day{day}};
    const seconds since_epoch =
        date.time_since_epoch() + hours{hour} + minutes{minute} + seconds{second};
    if (since_epoch >= duration_cast<seconds>(TimePoint::duration::max()) ||
        since_epoch <= duration_cast<seconds>(TimePoint::duration::min())) {
        throw std::out_of_range("cert_factory: utc(): beyond TimePoint's range");
    }
    return TimePoint{duration_cast<TimePoint::duration>(since_epoch)};
}

TestCert::TestCert(std::shared_ptr<X509> cert, TestKey key)
    : cert_(std::move(cert)), key_(std::move(key)) {}

std::string TestCert::pem() const {
    BioPtr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
    check(PEM_write_bio_X509(bio.get(), cert_.get()), "PEM_write_bio_X509");
    return bio_text(bio.get());
}

std::string TestCert::der() const {
    unsigned char* raw = nullptr;
    const int length = i2d_X509(cert_.get(), &raw);
    if (length <= 0) fail("i2d_X509");
    const OpensslBuffer<unsigned char> buffer(raw);
    return std::string(reinterpret_cast<const char*>(buffer.get()), static_cast<size_t>(length));
}

TestCert make_self_signed(const CertSpec& spec) {
    return build(spec, nullptr);
}

TestCert make_issued(const CertSpec& spec, const TestCert& issuer) {
    return build(spec, &issuer);
}

std::string pem_bundle(const std::vector<TestCert>& certs) {
    std::string text;
    for (const auto& cert : certs) text += cert.pem();
    return text;
}

std::string pkcs7_bundle_der(const std::vector<TestCert>& certs) {
    // As `openssl crl2pkcs7 -nocrl -certfile`: a signedData with certificates, no signers.
    std::unique_ptr<PKCS7, ossl::Deleter<&PKCS7_free>> p7(PKCS7_new());
    if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 ||
        PKCS7_content_new(p7.get(), NID_pkcs7_data) != 1) {
        throw std::runtime_error("PKCS7_set_type failed");
    }
    for (const auto& cert : certs) {
        if (PKCS7_add_certificate(p7.get(), cert.get()) != 1)
            throw std::runtime_error("PKCS7_add_certificate failed");
    }
    unsigned char* der = nullptr;
    const int length = i2d_PKCS7(p7.get(), &der);
    if (length <= 0) throw std::runtime_error("i2d_PKCS7 failed");
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

std::string pkcs7_bundle_pem(const std::vector<TestCert>& certs) {
    const std::string der = pkcs7_bundle_der(certs);
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<PKCS7, ossl::Deleter<&PKCS7_free>> p7(
        d2i_PKCS7(nullptr, &cursor, static_cast<long>(der.size())));
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!p7 || !bio || PEM_write_bio_PKCS7(bio.get(), p7.get()) != 1)
        throw std::runtime_error("PEM_write_bio_PKCS7 failed");
    return bio_text(bio.get());
}

std::string make_pkcs12(const TestCert& cert, const P12Options& options) {
    credwatch::load_openssl_providers();  // RC2-40 and 3DES live in the legacy provider
    int nid_key = NID_aes_256_cbc;
    int nid_cert = NID_aes_256_cbc;
    const EVP_MD* mac_md = EVP_sha256();
    switch (options.encryption) {
        case P12Encryption::aes256:
            break;
        case P12Encryption::rc2_40:
            nid_key = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
            nid_cert = NID_pbe_WithSHA1And40BitRC2_CBC;
            mac_md = EVP_sha1();
            break;
        case P12Encryption::triple_des:
            nid_key = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
            nid_cert = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
            mac_md = EVP_sha1();
            break;
    }
    BorrowedX509StackPtr chain(check(sk_X509_new_null(), "sk_X509_new_null"));
    for (const auto& extra : options.chain) {
        check(sk_X509_push(chain.get(), extra.get()), "sk_X509_push");
    }
    const char* pass = options.null_password ? nullptr : options.password.c_str();
    // MAC iteration -1: no MAC here; it is added below with the chosen digest.
    Pkcs12Ptr p12(check(
        PKCS12_create_ex(pass, options.friendly_name.c_str(),
                         options.include_key ? cert.key().get() : nullptr, cert.get(), chain.get(),
                         nid_key, nid_cert, PKCS12_DEFAULT_ITER, -1, 0, nullptr, nullptr),
        "PKCS12_create_ex"));
    if (options.mac) {
        check(PKCS12_set_mac(p12.get(), pass,
                             pass == nullptr ? 0 : static_cast<int>(options.password.size()),
                             nullptr, 0, PKCS12_DEFAULT_ITER, mac_md),
              "PKCS12_set_mac");
    }
    unsigned char* raw = nullptr;
    const int length = i2d_PKCS12(p12.get(), &raw);
    if (length <= 0) fail("i2d_PKCS12");
    const OpensslBuffer<unsigned char> buffer(raw);
    return std::string(reinterpret_cast<const char*>(buffer.get()), static_cast<size_t>(length));
}

std::string sha1_hex(std::string_view bytes) {
    return digest_hex(bytes, EVP_sha1());
}
std::string sha256_hex(std::string_view bytes) {
    return digest_hex(bytes, EVP_sha256());
}

}  // namespace credwatch::test
