#pragma once
// Certificates made at test time with the OpenSSL C API: no binary fixtures in the repository
// and no `openssl` command line, so the same tests run on Linux and as Windows .exe under Wine.
//
// Typical use:
//
//   using namespace credwatch::test;
//   TestCert ca = make_self_signed({.common_name = "Test Root CA", .is_ca = true});
//   TestCert leaf = make_issued({.common_name = "山田太郎", .serial_hex = "1a2b",
//                                .not_after = utc(2050, 1, 2, 3, 4, 5)}, ca);
//   write_file(dir / "leaf.pem", leaf.pem());
//   write_file(dir / "bundle.pem", pem_bundle({leaf, ca}));
//   write_file(dir / "leaf.der", leaf.der());
//   write_file(dir / "client.p12", make_pkcs12(leaf, {.password = "secret", .chain = {ca}}));
//   write_file(dir / "client.pass", "secret\r\n");
//
// CertSpec and P12Options are aggregates: designated initializers must name the fields in
// declaration order (C++20). Every function throws std::runtime_error when OpenSSL fails.
// make_pkcs12 loads OpenSSL's legacy provider itself (credwatch::load_openssl_providers).

#include "credwatch/base/clock.hpp"

#include <openssl/types.h>  // EVP_PKEY, X509 (opaque)

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::test {

enum class KeyType {
    ec_p256,  // fast; the default
    rsa2048,  // slow to generate (0.1-0.5 s): make one and share it (CertSpec::key)
};

// A private key. Copies share the same key.
class TestKey {
  public:
    explicit TestKey(KeyType type = KeyType::ec_p256);  // generates a fresh key
    EVP_PKEY* get() const { return key_.get(); }
    std::string private_key_pem() const;  // unencrypted PKCS#8 "PRIVATE KEY"

  private:
    std::shared_ptr<EVP_PKEY> key_;
};

// An instant from a UTC calendar date and time (throws beyond TimePoint's range).
TimePoint utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0);

struct CertSpec {
    std::string common_name = "credwatch test";  // CN, UTF-8
    bool common_name_bmp = false;   // encode CN as BMPString (UCS-2) instead of UTF8String
    std::string organization{};     // O=, left out when empty (UTF-8)
    std::string country{};          // C=, left out when empty ("JP")
    std::string serial_hex = "01";  // hex digits of the serial number
    // Validity, UTC, whole seconds; 1950-2049 are written as UTCTime, other years (before 1970
    // too) as GeneralizedTime (RFC 5280).
    TimePoint not_before = std::chrono::time_point_cast<std::chrono::seconds>(
        std::chrono::system_clock::now() - std::chrono::hours(24));
    TimePoint not_after = std::chrono::time_point_cast<std::chrono::seconds>(
        std::chrono::system_clock::now() + std::chrono::hours(24 * 365));
    // When not empty, written instead of not_after as this ASN.1 time text, for instants that
    // TimePoint (nanoseconds, years 1678-2261) cannot hold: "99991231235959Z".
    std::string not_after_text{};
    bool is_ca = false;  // basicConstraints: critical CA:TRUE, or CA:FALSE
    // keyUsage names as OpenSSL spells them ("digitalSignature", "nonRepudiation",
    // "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
    // "encipherOnly", "decipherOnly"); empty: no keyUsage extension.
    std::vector<std::string> key_usage{};
    // extendedKeyUsage names as OpenSSL spells them ("clientAuth", "serverAuth"); empty: none.
    std::vector<std::string> extended_key_usage{};
    KeyType key_type = KeyType::ec_p256;  // for the fresh key, when `key` is empty
    std::optional<TestKey> key{};         // reuse this key (e.g. many certs made quickly)
};

// A certificate with its private key.
class TestCert {
  public:
    TestCert(std::shared_ptr<X509> cert, TestKey key);
    X509* get() const { return cert_.get(); }
    const TestKey& key() const { return key_; }
    std::string pem() const;  // "-----BEGIN CERTIFICATE-----" ... one block
    std::string der() const;  // the DER encoding

  private:
    std::shared_ptr<X509> cert_;
    TestKey key_;
};

// Self-signed (issuer = subject, signed with its own key): a root CA or a lone leaf.
TestCert make_self_signed(const CertSpec& spec);
// Issued by `issuer`: issuer name = issuer's subject, signed with issuer's key.
TestCert make_issued(const CertSpec& spec, const TestCert& issuer);

// Several certificates in one PEM text, in the order given.
std::string pem_bundle(const std::vector<TestCert>& certs);

// A PKCS#7 certificate bundle (.p7b) holding `certs` in order, as `openssl crl2pkcs7 -nocrl
// -certfile` writes it: DER, or PEM ("-----BEGIN PKCS7-----").
std::string pkcs7_bundle_der(const std::vector<TestCert>& certs);
std::string pkcs7_bundle_pem(const std::vector<TestCert>& certs);

enum class P12Encryption {
    aes256,      // PBES2 (PBKDF2 with HMAC-SHA256, AES-256-CBC), SHA-256 MAC: OpenSSL 3 default
    rc2_40,      // pbeWithSHA1And40BitRC2-CBC for the certs, 3DES for the key, SHA-1 MAC
                 // (old Windows exports; needs the legacy provider)
    triple_des,  // pbeWithSHA1And3-KeyTripleDES-CBC for certs and key, SHA-1 MAC
};

struct P12Options {
    std::string password{};      // UTF-8; "" is the empty password
    bool null_password = false;  // true: the NULL password (password ignored)
    P12Encryption encryption = P12Encryption::aes256;
    std::vector<TestCert> chain{};  // extra certificates (CA chain) after the leaf
    bool include_key = true;        // false: certificates only, no private key
    bool mac = true;                // false: no integrity MAC (the password is only checked by
                                    // decryption)
    std::string friendly_name = "credwatch test";
};

// A PKCS#12 (.p12/.pfx) file holding `cert` (+ its key unless !include_key, + chain).
std::string make_pkcs12(const TestCert& cert, const P12Options& options = {});

// Lowercase hex digests of bytes, computed with EVP_Digest (independently of credwatch).
std::string sha1_hex(std::string_view bytes);
std::string sha256_hex(std::string_view bytes);

}  // namespace credwatch::test
