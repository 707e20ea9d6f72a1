// Certificate reading (PEM, DER, PKCS#12) and the folder scanner. Every certificate is made at
// test time by cert_factory; nothing binary is checked in.

#include "credwatch/certs/certificate.hpp"

#include "cert_factory.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace credwatch {
namespace {

namespace fs = std::filesystem;
using namespace credwatch::test;
using namespace std::chrono_literals;

std::string u8(const fs::path& path) {
    const auto text = path.u8string();
    return std::string(reinterpret_cast<const char*>(text.data()), text.size());
}

fs::path u8path(std::string_view utf8) {
    return fs::path(std::u8string(reinterpret_cast<const char8_t*>(utf8.data()), utf8.size()));
}

// Captures everything spdlog's default logger writes while alive.
class LogCapture {
  public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    std::string text() const { return stream_.str(); }

  private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream stream_;
};

// The certificates are expensive enough (key generation) to make once for all tests.
struct Fixture {
    TestCert ca = make_self_signed({.common_name = "Test Root CA",
                                    .organization = "credwatch",
                                    .country = "JP",
                                    .serial_hex = "0CA0",
                                    .not_before = utc(2020, 1, 1),
                                    .not_after = utc(2040, 1, 1),
                                    .is_ca = true,
                                    .key_usage = {"keyCertSign", "cRLSign"}});
    TestCert leaf = make_issued({.common_name = "client1423",
                                 .organization = "Test Clinic",
                                 .country = "JP",
                                 .serial_hex = "1A2B3C4D",
                                 .not_before = utc(2024, 4, 1, 9, 30, 15),
                                 .not_after = utc(2027, 3, 31, 23, 59, 59),
                                 .key_usage = {"digitalSignature", "keyEncipherment"}},
                                ca);
    TestCert other = make_self_signed({.common_name = "other", .serial_hex = "77"});
};

const Fixture& fx() {
    static const Fixture fixture;
    return fixture;
}

// RSA key generation takes a while: one RSA certificate for all tests.
const TestCert& rsa_cert() {
    static const TestCert cert =
        make_self_signed({.common_name = "rsa \"quoted\" #1", .key_type = KeyType::rsa2048});
    return cert;
}

std::vector<CertificateInfo> read_ok(const fs::path& path) {
    auto result = read_certificate_file(path);
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
    if (!result) return {};
    return *result;
}

Error read_error(const fs::path& path) {
    auto result = read_certificate_file(path);
    EXPECT_FALSE(result.has_value()) << "read " << path << " unexpectedly";
    if (result) return {};
    return result.error();
}

// The PBE algorithm protecting the certificate bag of a PKCS#12 file (to check the factory).
int certificate_bag_algorithm(const std::string& der) {
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(
        d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size())), &PKCS12_free);
    if (!p12) return NID_undef;
    STACK_OF(PKCS7)* safes = PKCS12_unpack_authsafes(p12.get());
    int nid = NID_undef;
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
        PKCS7* p7 = sk_PKCS7_value(safes, i);
        if (PKCS7_type_is_encrypted(p7)) {
            nid = OBJ_obj2nid(p7->d.encrypted->enc_data->algorithm->algorithm);
        }
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    return nid;
}

// ---------------------------------------------------------------------------------------------
// PEM and DER

TEST(ReadCertificate, PemSingleGivesEveryField) {
    TempDir dir;
    write_file(dir / "leaf.pem", fx().leaf.pem());
    const auto certs = read_ok(dir / "leaf.pem");
    ASSERT_EQ(certs.size(), 1U);
    const auto& c = certs[0];
    EXPECT_EQ(c.subject, "CN=client1423,O=Test Clinic,C=JP");
    EXPECT_EQ(c.issuer, "CN=Test Root CA,O=credwatch,C=JP");
    EXPECT_EQ(c.serial, "1a2b3c4d");
    EXPECT_EQ(c.not_before, utc(2024, 4, 1, 9, 30, 15));
    EXPECT_EQ(c.not_after, utc(2027, 3, 31, 23, 59, 59));
    EXPECT_EQ(c.sha1, sha1_hex(fx().leaf.der()));
    EXPECT_EQ(c.sha256, sha256_hex(fx().leaf.der()));
    EXPECT_FALSE(c.is_ca);
    EXPECT_EQ(c.key_usage, (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
}

TEST(ReadCertificate, PemWithSeveralCertificatesKeepsTheirOrder) {
    TempDir dir;
    // A private key block in between is skipped, as in key + chain bundles.
    write_file(dir / "bundle.pem", fx().leaf.pem() + fx().leaf.key().private_key_pem() +
                                       fx().ca.pem() + fx().other.pem());
    const auto certs = read_ok(dir / "bundle.pem");
    ASSERT_EQ(certs.size(), 3U);
    EXPECT_EQ(certs[0].serial, "1a2b3c4d");
    EXPECT_EQ(certs[1].serial, "0ca0");
    EXPECT_EQ(certs[2].serial, "77");
    EXPECT_EQ(certs[1].sha256, sha256_hex(fx().ca.der()));
}

TEST(ReadCertificate, PemWithTextAroundAndCrlfLineEnds) {
    TempDir dir;
    std::string pem = fx().ca.pem();
    std::string crlf;
    for (char ch : pem) {
        if (ch == '\n') crlf += '\r';
        crlf += ch;
    }
    write_file(dir / "ca.crt", "Bag Attributes\r\n    friendlyName: test\r\n" + crlf);
    const auto certs = read_ok(dir / "ca.crt");
    ASSERT_EQ(certs.size(), 1U);
    EXPECT_EQ(certs[0].sha1, sha1_hex(fx().ca.der()));
}

TEST(ReadCertificate, PemLabelsX509AndTrustedCertificateAreRead) {
    std::string pem = fx().ca.pem();
    std::string old_style = pem;
    std::string trusted = pem;
    for (auto* text : {&old_style, &trusted}) {
        const std::string label = text == &old_style ? "X509 CERTIFICATE" : "TRUSTED CERTIFICATE";
        for (const char* marker : {"-----BEGIN ", "-----END "}) {
            const auto at = text->find(marker) + std::string_view(marker).size();
            text->replace(at, std::string_view("CERTIFICATE").size(), label);
        }
    }
    for (const auto& text : {old_style, trusted}) {
        auto certs = read_certificates(text, "labels.pem");
        ASSERT_TRUE(certs) << certs.error().message << "\n" << text;
        ASSERT_EQ(certs->size(), 1U);
        EXPECT_EQ(certs->at(0).sha256, sha256_hex(fx().ca.der()));
    }
    // A different END label does not close the block.
    std::string mismatched = pem;
    mismatched.replace(mismatched.find("-----END CERTIFICATE"), 20, "-----END PRIVATE KEY");
    auto bad = read_certificates(mismatched, "mismatched.pem");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("truncated"), std::string::npos) << bad.error().message;
}

TEST(ReadCertificate, DerWithEachExtension) {
    TempDir dir;
    for (const char* name : {"leaf.der", "leaf.cer", "leaf.crt"}) {
        write_file(dir / name, fx().leaf.der());
        const auto certs = read_ok(dir / name);
        ASSERT_EQ(certs.size(), 1U) << name;
        EXPECT_EQ(certs[0].subject, "CN=client1423,O=Test Clinic,C=JP") << name;
        EXPECT_EQ(certs[0].sha256, sha256_hex(fx().leaf.der())) << name;
    }
}

TEST(ReadCertificate, FormatComesFromTheContentNotTheExtension) {
    TempDir dir;
    write_file(dir / "really-der.pem", fx().ca.der());
    write_file(dir / "really-pem.der", fx().ca.pem());
    write_file(dir / "really-p12.crt", make_pkcs12(fx().leaf, {.password = ""}));
    write_file(dir / "no-extension", fx().ca.pem());
    EXPECT_EQ(read_ok(dir / "really-der.pem").at(0).serial, "0ca0");
    EXPECT_EQ(read_ok(dir / "really-pem.der").at(0).serial, "0ca0");
    EXPECT_EQ(read_ok(dir / "really-p12.crt").at(0).serial, "1a2b3c4d");
    EXPECT_EQ(read_ok(dir / "no-extension").at(0).serial, "0ca0");
}

TEST(ReadCertificate, InMemoryAndDescribeDer) {
    auto pem = read_certificates(pem_bundle({fx().ca, fx().leaf}), "memory");
    ASSERT_TRUE(pem) << pem.error().message;
    ASSERT_EQ(pem->size(), 2U);
    EXPECT_EQ((*pem)[1].serial, "1a2b3c4d");

    auto der = describe_der(fx().leaf.der());
    ASSERT_TRUE(der) << der.error().message;
    EXPECT_EQ(der->sha1, sha1_hex(fx().leaf.der()));

    auto p12 = read_certificates(make_pkcs12(fx().leaf, {.password = ""}), "memory.p12");
    ASSERT_TRUE(p12) << p12.error().message;
    EXPECT_EQ(p12->at(0).serial, "1a2b3c4d");
    auto locked = read_certificates(make_pkcs12(fx().leaf, {.password = "x"}), "memory.p12");
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.error().code, Errc::password_missing);
    EXPECT_EQ(locked.error().message, "memory.p12: needs a password");

    auto garbage = read_certificates("hello", "clipboard text");
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().code, Errc::parse_error);
    EXPECT_NE(garbage.error().message.find("clipboard text"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Fields

TEST(ReadCertificate, JapaneseNamesInUtf8StringAndBmpString) {
    const std::string cn = "山田太郎";
    const std::string org = "国立がん研究センター";
    for (const bool bmp : {false, true}) {
        TestCert cert = make_self_signed(
            {.common_name = cn, .common_name_bmp = bmp, .organization = org, .country = "JP"});
        // The factory really used the string type under test.
        const X509_NAME* name = X509_get_subject_name(cert.get());
        const X509_NAME_ENTRY* entry =
            X509_NAME_get_entry(name, X509_NAME_get_index_by_NID(name, NID_commonName, -1));
        ASSERT_EQ(ASN1_STRING_type(X509_NAME_ENTRY_get_data(entry)),
                  bmp ? V_ASN1_BMPSTRING : V_ASN1_UTF8STRING);

        auto certs = read_certificates(cert.der(), "jp.der");
        ASSERT_TRUE(certs) << certs.error().message;
        EXPECT_EQ(certs->at(0).subject, "CN=" + cn + ",O=" + org + ",C=JP") << "bmp=" << bmp;
        EXPECT_EQ(certs->at(0).issuer, certs->at(0).subject);
    }
}

TEST(ReadCertificate, SpecialCharactersAreEscapedTheRfc2253Way) {
    TestCert cert = make_self_signed({.common_name = "Sato, Hanako+1"});
    auto info = describe_der(cert.der());
    ASSERT_TRUE(info);
    EXPECT_EQ(info->subject, "CN=Sato\\, Hanako\\+1");
}

TEST(ReadCertificate, TimesAfter2038AsGeneralizedTimeAreExact) {
    TestCert cert = make_self_signed(
        {.not_before = utc(2049, 12, 31, 23, 59, 59), .not_after = utc(2050, 1, 2, 3, 4, 5)});
    ASSERT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_GENERALIZEDTIME);
    ASSERT_EQ(ASN1_STRING_type(X509_get0_notBefore(cert.get())), V_ASN1_UTCTIME);
    auto info = describe_der(cert.der());
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->not_after, utc(2050, 1, 2, 3, 4, 5));
    EXPECT_EQ(info->not_before, utc(2049, 12, 31, 23, 59, 59));
    EXPECT_EQ(std::chrono::system_clock::to_time_t(info->not_after), 2524705445);
}

TEST(ReadCertificate, TimesBefore1970AndTheNoExpiryDate) {
    TestCert cert =
        make_self_signed({.not_before = utc(1965, 6, 1, 12), .not_after_text = "99991231235959Z"});
    ASSERT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_GENERALIZEDTIME);
    auto info = describe_der(cert.der());
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->not_before, utc(1965, 6, 1, 12));
    // 9999 is beyond what a nanosecond system_clock can hold: clamped, still "never expires".
    EXPECT_EQ(info->not_after, TimePoint::max());
}

TEST(ReadCertificate, SerialIsLowercaseHexWithoutSeparators) {
    TestCert big = make_self_signed({.serial_hex = "7FEDCBA9876543210FEDCBA9876543210ABCDEF0"});
    TestCert small = make_self_signed({.serial_hex = "5"});
    EXPECT_EQ(describe_der(big.der())->serial, "7fedcba9876543210fedcba9876543210abcdef0");
    EXPECT_EQ(describe_der(small.der())->serial, "05");
}

TEST(ReadCertificate, CaFlagAndKeyUsage) {
    auto ca = describe_der(fx().ca.der());
    ASSERT_TRUE(ca);
    EXPECT_TRUE(ca->is_ca);
    EXPECT_EQ(ca->key_usage, (std::vector<std::string>{"keyCertSign", "cRLSign"}));

    TestCert plain = make_self_signed({.common_name = "no key usage"});
    auto info = describe_der(plain.der());
    ASSERT_TRUE(info);
    EXPECT_FALSE(info->is_ca);
    EXPECT_TRUE(info->key_usage.empty());

    TestCert all =
        make_self_signed({.key_usage = {"digitalSignature", "nonRepudiation", "dataEncipherment",
                                        "keyAgreement", "encipherOnly", "decipherOnly"}});
    EXPECT_EQ(describe_der(all.der())->key_usage,
              (std::vector<std::string>{"digitalSignature", "nonRepudiation", "dataEncipherment",
                                        "keyAgreement", "encipherOnly", "decipherOnly"}));
}

TEST(ReadCertificate, RsaCertificate) {
    ASSERT_EQ(EVP_PKEY_get_base_id(rsa_cert().key().get()), EVP_PKEY_RSA);
    auto info = describe_der(rsa_cert().der());
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->subject, "CN=rsa \\\"quoted\\\" #1");  // "#" is escaped only in front
    EXPECT_EQ(info->sha256, sha256_hex(rsa_cert().der()));
}

// Certificates from PEM and DER are read by walking the DER structure; those inside PKCS#12
// come out of OpenSSL as X509 objects. Both routes must report the same fields.
TEST(ReadCertificate, StructureWalkAndOpensslX509AgreeOnEveryField) {
    const std::vector<TestCert> certs = {
        fx().ca,
        fx().leaf,
        make_self_signed({.common_name = "山田太郎",
                          .common_name_bmp = true,
                          .organization = "国立がん研究センター",
                          .country = "JP",
                          .serial_hex = "00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF",
                          .not_before = utc(1999, 12, 31, 23, 59, 59),
                          .not_after = utc(2050, 1, 1),
                          .key_usage = {"nonRepudiation", "decipherOnly"}}),
        rsa_cert(),
    };
    TempDir dir;
    for (std::size_t i = 0; i < certs.size(); ++i) {
        const std::string stem = "c" + std::to_string(i);
        write_file(dir / (stem + ".pem"), certs[i].pem());
        write_file(dir / (stem + ".p12"), make_pkcs12(certs[i], {.password = ""}));
        const auto walked = read_ok(dir / (stem + ".pem"));
        const auto opened = read_ok(dir / (stem + ".p12"));
        ASSERT_EQ(walked.size(), 1U);
        ASSERT_EQ(opened.size(), 1U);
        const CertificateInfo& a = walked[0];
        const CertificateInfo& b = opened[0];
        EXPECT_EQ(a.subject, b.subject) << i;
        EXPECT_EQ(a.issuer, b.issuer) << i;
        EXPECT_EQ(a.serial, b.serial) << i;
        EXPECT_EQ(a.not_before, b.not_before) << i;
        EXPECT_EQ(a.not_after, b.not_after) << i;
        EXPECT_EQ(a.sha1, b.sha1) << i;
        EXPECT_EQ(a.sha256, b.sha256) << i;
        EXPECT_EQ(a.is_ca, b.is_ca) << i;
        EXPECT_EQ(a.key_usage, b.key_usage) << i;
    }
    EXPECT_EQ(read_ok(dir / "c2.pem").at(0).serial, "ff00ff00ff00ff00ff00ff00ff00ff00ff00ff");
    EXPECT_EQ(read_ok(dir / "c2.pem").at(0).key_usage,
              (std::vector<std::string>{"nonRepudiation", "decipherOnly"}));
}

// ---------------------------------------------------------------------------------------------
// PKCS#12

TEST(ReadPkcs12, AesWithPassFileGivesLeafThenChain) {
    TempDir dir;
    const std::string p12 = make_pkcs12(fx().leaf, {.password = "s3cret-pw", .chain = {fx().ca}});
    ASSERT_EQ(certificate_bag_algorithm(p12), NID_pbes2);
    write_file(dir / "client1423.p12", p12);
    write_file(dir / "client1423.pass", "s3cret-pw");
    const auto certs = read_ok(dir / "client1423.p12");
    ASSERT_EQ(certs.size(), 2U);
    EXPECT_EQ(certs[0].serial, "1a2b3c4d");
    EXPECT_EQ(certs[0].sha256, sha256_hex(fx().leaf.der()));
    EXPECT_EQ(certs[1].serial, "0ca0");
    EXPECT_TRUE(certs[1].is_ca);
}

class PassFileContent : public ::testing::TestWithParam<const char*> {};

TEST_P(PassFileContent, IsStrippedOfBomAndTrailingWhitespace) {
    TempDir dir;
    write_file(dir / "client1423.pfx", make_pkcs12(fx().leaf, {.password = "pa ss"}));
    write_file(dir / "client1423.pass", GetParam());
    const auto certs = read_ok(dir / "client1423.pfx");
    ASSERT_EQ(certs.size(), 1U);
    EXPECT_EQ(certs[0].serial, "1a2b3c4d");
}

INSTANTIATE_TEST_SUITE_P(Variants, PassFileContent,
                         ::testing::Values("pa ss", "pa ss\r\n", "pa ss\n", "pa ss   ",
                                           "pa ss \t \r\n\r\n", "\xEF\xBB\xBFpa ss",
                                           "\xEF\xBB\xBFpa ss\r\n"));

TEST(ReadPkcs12, LeadingSpaceIsPartOfThePassword) {
    TempDir dir;
    write_file(dir / "client1423.p12", make_pkcs12(fx().leaf, {.password = "pw"}));
    write_file(dir / "client1423.pass", " pw");
    EXPECT_EQ(read_error(dir / "client1423.p12").code, Errc::password_wrong);
}

TEST(ReadPkcs12, LegacyRc2And3desOpen) {
    ASSERT_TRUE(load_openssl_providers()) << "the OpenSSL legacy provider did not load";
    const std::pair<P12Encryption, int> cases[] = {
        {P12Encryption::rc2_40, NID_pbe_WithSHA1And40BitRC2_CBC},
        {P12Encryption::triple_des, NID_pbe_WithSHA1And3_Key_TripleDES_CBC},
    };
    for (const auto& [encryption, nid] : cases) {
        TempDir dir;
        const std::string p12 = make_pkcs12(
            fx().leaf, {.password = "legacy", .encryption = encryption, .chain = {fx().ca}});
        ASSERT_EQ(certificate_bag_algorithm(p12), nid);
        write_file(dir / "old.pfx", p12);
        write_file(dir / "old.pass", "legacy\r\n");
        const auto certs = read_ok(dir / "old.pfx");
        ASSERT_EQ(certs.size(), 2U) << OBJ_nid2sn(nid);
        EXPECT_EQ(certs[0].sha1, sha1_hex(fx().leaf.der()));
    }
}

TEST(ReadPkcs12, EmptyAndNullPasswordOpenWithoutPassFile) {
    TempDir dir;
    write_file(dir / "empty.p12", make_pkcs12(fx().leaf, {.password = ""}));
    write_file(dir / "null.p12", make_pkcs12(fx().leaf, {.null_password = true}));
    write_file(dir / "legacy-empty.p12",
               make_pkcs12(fx().leaf, {.password = "", .encryption = P12Encryption::rc2_40}));
    for (const char* name : {"empty.p12", "null.p12", "legacy-empty.p12"}) {
        const auto certs = read_ok(dir / name);
        ASSERT_EQ(certs.size(), 1U) << name;
        EXPECT_EQ(certs[0].serial, "1a2b3c4d") << name;
    }
}

TEST(ReadPkcs12, CertificatesOnlyAndWithoutMac) {
    TempDir dir;
    write_file(dir / "certs.p12",
               make_pkcs12(fx().leaf, {.password = "x", .chain = {fx().ca}, .include_key = false}));
    write_file(dir / "certs.pass", "x");
    EXPECT_EQ(read_ok(dir / "certs.p12").size(), 2U);

    write_file(dir / "nomac.p12", make_pkcs12(fx().leaf, {.password = "y", .mac = false}));
    write_file(dir / "nomac.pass", "y");
    EXPECT_EQ(read_ok(dir / "nomac.p12").size(), 1U);
    write_file(dir / "nomac.pass", "wrong");
    EXPECT_EQ(read_error(dir / "nomac.p12").code, Errc::password_wrong);
    fs::remove(dir / "nomac.pass");
    EXPECT_EQ(read_error(dir / "nomac.p12").code, Errc::password_missing);
}

TEST(ReadPkcs12, MissingPassFileIsPasswordMissing) {
    TempDir dir;
    write_file(dir / "client1423.p12", make_pkcs12(fx().leaf, {.password = "needed"}));
    const Error error = read_error(dir / "client1423.p12");
    EXPECT_EQ(error.code, Errc::password_missing);
    EXPECT_NE(error.message.find("needs a password: no client1423.pass beside it"),
              std::string::npos)
        << error.message;
    EXPECT_NE(error.message.find(u8(dir / "client1423.p12")), std::string::npos) << error.message;
}

TEST(ReadPkcs12, WrongPasswordIsPasswordWrongAndNeverShown) {
    TempDir dir;
    const std::string right = "Right-Pass-9431";
    const std::string wrong = "Wrong-Pass-5517";
    for (const auto encryption : {P12Encryption::aes256, P12Encryption::rc2_40}) {
        write_file(dir / "client1423.p12",
                   make_pkcs12(fx().leaf, {.password = right, .encryption = encryption}));
        write_file(dir / "client1423.pass", wrong + "\r\n");
        LogCapture log;
        const Error error = read_error(dir / "client1423.p12");
        EXPECT_EQ(error.code, Errc::password_wrong);
        EXPECT_NE(error.message.find("the password in client1423.pass does not open it"),
                  std::string::npos)
            << error.message;
        EXPECT_NE(error.message.find(u8(dir / "client1423.p12")), std::string::npos);
        for (const auto& secret : {right, wrong}) {
            EXPECT_EQ(error.message.find(secret), std::string::npos);
            EXPECT_EQ(log.text().find(secret), std::string::npos) << log.text();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad files

TEST(ReadCertificate, GarbageIsAParseErrorNamingTheFile) {
    TempDir dir;
    write_file(dir / "garbage.pem", "this is not a certificate\n");
    write_file(dir / "binary.der", std::string("\x01\x02\x03\xff\xfe", 5));
    write_file(dir / "empty.crt", "");
    write_file(dir / "not-asn1.der", std::string("\x30\x03\x01\x01\xff", 5));
    for (const char* name : {"garbage.pem", "binary.der", "empty.crt", "not-asn1.der"}) {
        const Error error = read_error(dir / name);
        EXPECT_EQ(error.code, Errc::parse_error) << name;
        EXPECT_NE(error.message.find(u8(dir / name)), std::string::npos) << error.message;
    }
}

TEST(ReadCertificate, PemWithOnlyAKeyIsNotACertificate) {
    TempDir dir;
    write_file(dir / "key.pem", fx().leaf.key().private_key_pem());
    const Error error = read_error(dir / "key.pem");
    EXPECT_EQ(error.code, Errc::parse_error);
    EXPECT_NE(error.message.find("no CERTIFICATE"), std::string::npos) << error.message;
}

TEST(ReadCertificate, TruncatedFilesSayTruncated) {
    TempDir dir;
    const std::string pem = fx().leaf.pem();
    const std::string der = fx().leaf.der();
    const std::string p12 = make_pkcs12(fx().leaf, {.password = ""});
    write_file(dir / "half.pem", pem.substr(0, pem.size() / 2));
    write_file(dir / "second-cut.pem", fx().ca.pem() + pem.substr(0, pem.size() - 40));
    write_file(dir / "half.der", der.substr(0, der.size() / 2));
    write_file(dir / "header.der", der.substr(0, 3));
    write_file(dir / "half.p12", p12.substr(0, p12.size() / 2));
    for (const char* name : {"half.pem", "second-cut.pem", "half.der", "header.der", "half.p12"}) {
        const Error error = read_error(dir / name);
        EXPECT_EQ(error.code, Errc::parse_error) << name;
        EXPECT_NE(error.message.find("truncated"), std::string::npos) << error.message;
        EXPECT_NE(error.message.find(u8(dir / name)), std::string::npos) << error.message;
    }
}

// A folder is not read as a file: skipped, with the reason (see test_scan_safety for links).
TEST(ReadCertificate, MissingFileIsNotFoundAndAFolderIsSkipped) {
    TempDir dir;
    EXPECT_EQ(read_error(dir / "absent.pem").code, Errc::not_found);
    fs::create_directory(dir / "folder.pem");
    const Error error = read_error(dir / "folder.pem");
    EXPECT_EQ(error.code, Errc::skipped);
    EXPECT_NE(error.message.find(u8(dir / "folder.pem")), std::string::npos);
    EXPECT_NE(error.message.find("a folder"), std::string::npos) << error.message;
}

#ifndef _WIN32
TEST(ReadCertificate, UnreadableFileIsIoError) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
    TempDir dir;
    write_file(dir / "locked.pem", fx().ca.pem());
    fs::permissions(dir / "locked.pem", fs::perms::none);
    const Error error = read_error(dir / "locked.pem");
    EXPECT_EQ(error.code, Errc::io_error);
    EXPECT_NE(error.message.find(u8(dir / "locked.pem")), std::string::npos);
}
#endif

// ---------------------------------------------------------------------------------------------
// PKCS#7 bundles (.p7b, .p7c)

// Base64 in 64-character lines, as certutil and PEM writers wrap it.
std::string base64_lines(std::string_view bytes) {
    std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                       reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()));
    encoded.resize(static_cast<std::size_t>(length));
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); i += 64) out += encoded.substr(i, 64) + "\r\n";
    return out;
}

void expect_leaf_then_ca(const std::vector<CertificateInfo>& certs, const std::string& what) {
    ASSERT_EQ(certs.size(), 2U) << what;
    EXPECT_EQ(certs[0].serial, "1a2b3c4d") << what;
    EXPECT_EQ(certs[0].sha256, sha256_hex(fx().leaf.der())) << what;
    EXPECT_EQ(certs[0].subject, "CN=client1423,O=Test Clinic,C=JP") << what;
    EXPECT_EQ(certs[1].serial, "0ca0") << what;
    EXPECT_EQ(certs[1].sha1, sha1_hex(fx().ca.der())) << what;
    EXPECT_TRUE(certs[1].is_ca) << what;
}

TEST(ReadPkcs7, ABundleOfTwoInDerAndInPemGivesBothInOrder) {
    TempDir dir;
    const std::string der = pkcs7_bundle_der({fx().leaf, fx().ca});
    const std::string pem = pkcs7_bundle_pem({fx().leaf, fx().ca});
    ASSERT_EQ(pem.rfind("-----BEGIN PKCS7-----", 0), 0U) << pem;
    ASSERT_EQ(pem.find("BEGIN CERTIFICATE"), std::string::npos);
    write_file(dir / "chain.p7b", der);
    write_file(dir / "chain-pem.p7b", pem);
    write_file(dir / "chain.P7C", der);
    for (const char* name : {"chain.p7b", "chain-pem.p7b", "chain.P7C"}) {
        expect_leaf_then_ca(read_ok(dir / name), name);
        // What the tray sends the service: each certificate's own DER, in bundle order.
        auto ders = read_certificate_file_der(dir / name);
        ASSERT_TRUE(ders) << ders.error().message;
        EXPECT_EQ(*ders, (std::vector<std::string>{fx().leaf.der(), fx().ca.der()})) << name;
    }
    auto in_memory = read_certificates(der, "memory");
    ASSERT_TRUE(in_memory) << in_memory.error().message;
    expect_leaf_then_ca(*in_memory, "in memory");
}

TEST(ReadPkcs7, WindowsAndCertutilSpellingsAreRead) {
    TempDir dir;
    const std::string der = pkcs7_bundle_der({fx().leaf, fx().ca});
    // `certutil -encode` puts a bundle under a CERTIFICATE label; some exports have no label.
    write_file(dir / "certutil.p7b", "-----BEGIN CERTIFICATE-----\r\n" + base64_lines(der) +
                                         "-----END CERTIFICATE-----\r\n");
    write_file(dir / "bare.p7b", base64_lines(der));
    write_file(dir / "signed-data.p7b", "-----BEGIN PKCS #7 SIGNED DATA-----\n" +
                                            base64_lines(der) +
                                            "-----END PKCS #7 SIGNED DATA-----\n");
    // A PEM bundle beside a certificate block in one file: every certificate, in file order.
    write_file(dir / "mixed.pem", fx().other.pem() + pkcs7_bundle_pem({fx().leaf, fx().ca}));
    for (const char* name : {"certutil.p7b", "bare.p7b", "signed-data.p7b"}) {
        expect_leaf_then_ca(read_ok(dir / name), name);
    }
    const auto mixed = read_ok(dir / "mixed.pem");
    ASSERT_EQ(mixed.size(), 3U);
    EXPECT_EQ(mixed[0].serial, "77");
    EXPECT_EQ(mixed[1].serial, "1a2b3c4d");
    EXPECT_EQ(mixed[2].serial, "0ca0");
}

// The same bundle in BER with indefinite lengths (as streaming encoders write it): read by
// d2i_PKCS7 instead of the DER walk, with the same result.
TEST(ReadPkcs7, ABerBundleWithIndefiniteLengthsIsReadLikeItsDer) {
    TempDir dir;
    const std::string der = pkcs7_bundle_der({fx().leaf, fx().ca});
    ASSERT_EQ(der.substr(0, 2), "\x30\x82");
    ASSERT_EQ(der.substr(15, 2), "\xA0\x82");
    const std::string oid = der.substr(4, 11);
    const std::string signed_data = der.substr(19);
    const std::string ber = "\x30\x80" + oid + "\xA0\x80" + signed_data + std::string(4, '\0');
    write_file(dir / "ber.p7b", ber);
    expect_leaf_then_ca(read_ok(dir / "ber.p7b"), "BER");
    auto ders = read_certificate_file_der(dir / "ber.p7b");
    ASSERT_TRUE(ders) << ders.error().message;
    EXPECT_EQ(*ders, (std::vector<std::string>{fx().leaf.der(), fx().ca.der()}));
}

// A PKCS#7 ContentInfo of another type (data, here) is no certificate bundle.
std::string pkcs7_of_type(int nid) {
    std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(PKCS7_new(), &PKCS7_free);
    EXPECT_EQ(PKCS7_set_type(p7.get(), nid), 1);
    unsigned char* der = nullptr;
    const int length = i2d_PKCS7(p7.get(), &der);
    EXPECT_GT(length, 0);
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

TEST(ReadPkcs7, ACorruptOrForeignBundleIsAParseErrorNamingTheFileAndWhy) {
    TempDir dir;
    const std::string der = pkcs7_bundle_der({fx().leaf, fx().ca});
    std::string damaged = der;
    damaged[23] = '\x04';  // the signedData version: an OCTET STRING, not an INTEGER
    const struct {
        const char* name;
        std::string content;
        const char* why;
    } cases[] = {
        {"cut.p7b", der.substr(0, der.size() / 2), "truncated"},
        {"damaged.p7b", damaged, "malformed PKCS#7 bundle"},
        {"cut-pem.p7c", "-----BEGIN PKCS7-----\n" + base64_lines(der).substr(0, 200) + "\n",
         "has no END line"},
        {"not-base64.p7b", "-----BEGIN PKCS7-----\n!!!!\n-----END PKCS7-----\n", "not base64"},
        {"data.p7b", pkcs7_of_type(NID_pkcs7_data),
         "the PKCS#7 content is pkcs7-data, not "
         "signedData"},
        {"empty.p7b", pkcs7_bundle_der({}), "the PKCS#7 bundle holds no certificate"},
    };
    for (const auto& c : cases) {
        write_file(dir / c.name, c.content);
        const Error error = read_error(dir / c.name);
        EXPECT_EQ(error.code, Errc::parse_error) << c.name;
        EXPECT_NE(error.message.find(u8(dir / c.name)), std::string::npos) << error.message;
        EXPECT_NE(error.message.find(c.why), std::string::npos) << error.message;
    }
}

TEST(ReadPkcs7, TheScanFindsBundlesByExtensionAndGoesOnAfterACorruptOne) {
    TempDir dir;
    write_file(dir / "a-chain.p7b", pkcs7_bundle_der({fx().leaf, fx().ca}));
    write_file(dir / "b-corrupt.p7b", pkcs7_bundle_der({fx().leaf}).substr(0, 40));
    write_file(dir / "c-chain.p7c", pkcs7_bundle_pem({fx().other}));
    write_file(dir / "d-leaf.pem", fx().leaf.pem());
    CertificateScanner scanner;
    const ScanResult r = scanner.scan({dir.path()}, "yamada");
    EXPECT_EQ(r.files_examined, 4U);
    ASSERT_EQ(r.certificates.size(), 4U);
    EXPECT_EQ(r.certificates[0].info.serial, "1a2b3c4d");
    EXPECT_EQ(r.certificates[1].info.serial, "0ca0");
    EXPECT_EQ(r.certificates[0].location, u8((dir / "a-chain.p7b").make_preferred()));
    EXPECT_EQ(r.certificates[2].info.serial, "77");
    EXPECT_EQ(r.certificates[3].location, u8((dir / "d-leaf.pem").make_preferred()));
    ASSERT_EQ(r.failures.size(), 1U);
    EXPECT_EQ(r.failures[0].location, u8((dir / "b-corrupt.p7b").make_preferred()));
    EXPECT_EQ(r.failures[0].code, Errc::parse_error);
    EXPECT_NE(r.failures[0].error.find("truncated"), std::string::npos) << r.failures[0].error;
    // Unchanged bundles are answered from the cache like any file.
    EXPECT_EQ(scanner.scan({dir.path()}, "yamada").files_parsed, 0U);
}

// ---------------------------------------------------------------------------------------------
// .pass files in Notepad's encodings

// UTF-16 code units as bytes, with a byte order mark first.
std::string utf16_bytes(std::u16string_view text, bool big_endian, bool bom = true) {
    std::string out;
    const auto put = [&](char16_t unit) {
        const auto high = static_cast<char>(unit >> 8U);
        const auto low = static_cast<char>(unit & 0xFFU);
        out += big_endian ? std::string{high, low} : std::string{low, high};
    };
    if (bom) put(u'\uFEFF');
    for (const char16_t unit : text) put(unit);
    return out;
}

// Japanese and a character outside the BMP (a surrogate pair in UTF-16).
constexpr std::string_view kUnicodePassword =
    "パス ワード\xF0\xA0\xAE\xB7"
    "1";
constexpr std::u16string_view kUnicodePassword16 = u"パス ワード\U00020BB71";

TEST(ReadPkcs12, PassFilesInEveryNotepadEncodingOpenIt) {
    TempDir dir;
    write_file(dir / "client.p12",
               make_pkcs12(fx().leaf, {.password = std::string(kUnicodePassword)}));
    const std::string utf8(kUnicodePassword);
    const std::pair<const char*, std::string> files[] = {
        {"UTF-8", utf8 + "\r\n"},
        {"UTF-8 with BOM", "\xEF\xBB\xBF" + utf8 + "\r\n"},
        {"UTF-16 LE with BOM", utf16_bytes(std::u16string(kUnicodePassword16) + u"\r\n", false)},
        {"UTF-16 BE with BOM", utf16_bytes(std::u16string(kUnicodePassword16) + u" \t\r\n", true)},
        {"UTF-16 LE, no newline", utf16_bytes(kUnicodePassword16, false)},
    };
    for (const auto& [encoding, content] : files) {
        write_file(dir / "client.pass", content);
        const auto certs = read_ok(dir / "client.p12");
        ASSERT_EQ(certs.size(), 1U) << encoding;
        EXPECT_EQ(certs[0].serial, "1a2b3c4d") << encoding;
    }
}

TEST(ReadPkcs12, AWrongPasswordInUtf16IsTheUsualWrongPasswordError) {
    TempDir dir;
    write_file(dir / "client.p12", make_pkcs12(fx().leaf, {.password = "right"}));
    for (const bool big_endian : {false, true}) {
        write_file(dir / "client.pass", utf16_bytes(u"wrong-pw\r\n", big_endian));
        LogCapture log;
        const Error error = read_error(dir / "client.p12");
        EXPECT_EQ(error.code, Errc::password_wrong);
        EXPECT_NE(error.message.find("the password in client.pass does not open it"),
                  std::string::npos)
            << error.message;
        EXPECT_EQ(error.message.find("wrong-pw"), std::string::npos) << error.message;
        EXPECT_EQ(log.text().find("wrong-pw"), std::string::npos) << log.text();
    }
    // The right password in UTF-16 without a BOM is not UTF-16 to anyone: Notepad writes one.
    write_file(dir / "client.pass", utf16_bytes(u"right", false, false));
    EXPECT_EQ(read_error(dir / "client.p12").code, Errc::password_wrong);
}

TEST(ReadPkcs12, InvalidUtf16InAPassFileIsAnErrorNamingItNeverItsContent) {
    TempDir dir;
    write_file(dir / "client.p12", make_pkcs12(fx().leaf, {.password = "secret"}));
    const std::string le = utf16_bytes(u"secret", false);
    const struct {
        const char* what;
        std::string content;
        const char* why;
    } cases[] = {
        {"odd length", le + "s", "an odd number of bytes (13)"},
        {"lone high surrogate", utf16_bytes(u"secret\xD83D", false), "a lone high surrogate"},
        {"high then no low", utf16_bytes(u"sec\xD83Dret", true), "a lone high surrogate at byte 8"},
        {"lone low surrogate", utf16_bytes(u"\xDE00secret", true),
         "a lone low surrogate at byte 2"},
    };
    for (const auto& c : cases) {
        write_file(dir / "client.pass", c.content);
        LogCapture log;
        const Error error = read_error(dir / "client.p12");
        EXPECT_EQ(error.code, Errc::parse_error) << c.what;
        EXPECT_NE(error.message.find(u8(dir / "client.p12")), std::string::npos) << error.message;
        EXPECT_NE(error.message.find("its password file client.pass is not valid UTF-16"),
                  std::string::npos)
            << error.message;
        EXPECT_NE(error.message.find(c.why), std::string::npos) << error.message;
        EXPECT_EQ(error.message.find("secret"), std::string::npos) << error.message;
        EXPECT_EQ(log.text().find("secret"), std::string::npos) << log.text();
    }
}

TEST(CertificateExtension, CaseInsensitiveKnownExtensionsOnly) {
    for (const char* yes : {"a.pem", "a.PEM", "a.crt", "a.Cer", "a.der", "a.p7b", "a.P7B", "a.p7c",
                            "a.p12", "a.PFX", "dir.x/b.pfx"}) {
        EXPECT_TRUE(is_certificate_extension(yes)) << yes;
    }
    for (const char* no : {"a.pass", "a.txt", "a", "pem", "a.pem.bak", "a.p7", "a.p7s", ".pem"}) {
        EXPECT_FALSE(is_certificate_extension(no)) << no;
    }
}

// ---------------------------------------------------------------------------------------------
// Scanner

class Scanner : public ::testing::Test {
  protected:
    void SetUp() override {
        write_file(dir_ / "a-leaf.pem", fx().leaf.pem());
        write_file(dir_ / "sub" / "b-ca.der", fx().ca.der());
        write_file(dir_ / "sub" / "deeper" / "c-bundle.crt", pem_bundle({fx().other, fx().ca}));
        write_file(dir_ / "d-garbage.cer", "garbage");
        write_file(dir_ / "e-nopass.p12", make_pkcs12(fx().leaf, {.password = "pw"}));
        write_file(dir_ / "notes.txt", fx().ca.pem());  // not a certificate extension
        write_file(dir_ / "e-nopass.pass.bak", "pw");
    }

    static std::vector<std::string> locations(const ScanResult& r) {
        std::vector<std::string> out;
        for (const auto& c : r.certificates) out.push_back(c.location);
        return out;
    }

    // "sub/b-ca.der" -> the location the scanner reports (native separators).
    std::string loc(const fs::path& relative) const {
        return u8((dir_ / relative).make_preferred());
    }

    TempDir dir_;
    CertificateScanner scanner_;
};

TEST_F(Scanner, WalksFoldersKeepsGoingAndRecordsFailures) {
    const ScanResult r = scanner_.scan({dir_.path()}, "yamada");
    EXPECT_EQ(r.files_examined, 5U);
    EXPECT_EQ(r.files_parsed, 5U);
    EXPECT_EQ(locations(r), (std::vector<std::string>{loc("a-leaf.pem"), loc("sub/b-ca.der"),
                                                      loc("sub/deeper/c-bundle.crt"),
                                                      loc("sub/deeper/c-bundle.crt")}));
    EXPECT_EQ(r.certificates[2].info.serial, "77");
    EXPECT_EQ(r.certificates[3].info.serial, "0ca0");
    for (const auto& c : r.certificates) {
        EXPECT_EQ(c.source, "file");
        EXPECT_EQ(c.owner, "yamada");
    }
    ASSERT_EQ(r.failures.size(), 2U);
    EXPECT_EQ(r.failures[0].location, loc("d-garbage.cer"));
    EXPECT_EQ(r.failures[0].code, Errc::parse_error);
    EXPECT_EQ(r.failures[1].location, loc("e-nopass.p12"));
    EXPECT_EQ(r.failures[1].code, Errc::password_missing);
    EXPECT_NE(r.failures[1].error.find("no e-nopass.pass beside it"), std::string::npos);
}

TEST_F(Scanner, ExplicitFileIsReadWhateverItsExtension) {
    const ScanResult r = scanner_.scan({dir_ / "notes.txt", dir_ / "a-leaf.pem"});
    EXPECT_EQ(locations(r), (std::vector<std::string>{loc("a-leaf.pem"), loc("notes.txt")}));
    EXPECT_EQ(r.certificates[0].owner, "machine");
}

TEST_F(Scanner, FileReachedTwiceIsReportedOnce) {
    const ScanResult r = scanner_.scan({dir_ / "sub", dir_ / "sub" / "b-ca.der"});
    EXPECT_EQ(r.files_examined, 2U);
    EXPECT_EQ(locations(r),
              (std::vector<std::string>{loc("sub/b-ca.der"), loc("sub/deeper/c-bundle.crt"),
                                        loc("sub/deeper/c-bundle.crt")}));
}

TEST_F(Scanner, NonexistentPathIsAFailureRecord) {
    const ScanResult r = scanner_.scan({dir_ / "nowhere", dir_ / "a-leaf.pem"});
    ASSERT_EQ(r.failures.size(), 1U);
    EXPECT_EQ(r.failures[0].location, loc("nowhere"));
    EXPECT_EQ(r.failures[0].code, Errc::not_found);
    EXPECT_EQ(r.certificates.size(), 1U);
}

TEST_F(Scanner, JapaneseFolderNameRoundTrips) {
    const fs::path folder = dir_ / u8path("証明書");
    write_file(folder / "client1423.p12", make_pkcs12(fx().leaf, {.password = "pw"}));
    write_file(folder / "client1423.pass", "pw\n");
    write_file(folder / u8path("壊れた.pem"), "broken");
    const ScanResult r = scanner_.scan({folder});
    ASSERT_EQ(r.certificates.size(), 1U);
    const std::string sep(1, static_cast<char>(fs::path::preferred_separator));
    EXPECT_EQ(r.certificates[0].location,
              u8(dir_.path()) + sep + "証明書" + sep + "client1423.p12");
    EXPECT_EQ(u8path(r.certificates[0].location), folder / "client1423.p12");
    ASSERT_EQ(r.failures.size(), 1U);
    EXPECT_EQ(r.failures[0].location, u8(dir_.path()) + sep + "証明書" + sep + "壊れた.pem");
    EXPECT_NE(r.failures[0].error.find("証明書" + sep + "壊れた.pem"), std::string::npos);
}

TEST_F(Scanner, RescanOfUnchangedFilesParsesNothing) {
    const ScanResult first = scanner_.scan({dir_.path()});
    const ScanResult second = scanner_.scan({dir_.path()});
    EXPECT_EQ(first.files_parsed, 5U);
    EXPECT_EQ(second.files_examined, 5U);
    EXPECT_EQ(second.files_parsed, 0U);
    EXPECT_EQ(locations(second), locations(first));
    ASSERT_EQ(second.certificates.size(), first.certificates.size());
    for (std::size_t i = 0; i < first.certificates.size(); ++i) {
        EXPECT_EQ(second.certificates[i].info.sha256, first.certificates[i].info.sha256);
    }
    ASSERT_EQ(second.failures.size(), 2U);  // failures are remembered too
    EXPECT_EQ(second.failures[1].code, Errc::password_missing);
}

TEST_F(Scanner, ModifiedFileIsParsedAgain) {
    scanner_.scan({dir_.path()});
    // Same content, newer time: parsed again.
    const auto pem = dir_ / "a-leaf.pem";
    fs::last_write_time(pem, fs::last_write_time(pem) + 2s);
    ScanResult r = scanner_.scan({dir_.path()});
    EXPECT_EQ(r.files_parsed, 1U);
    // New content: the new certificate is reported.
    write_file(pem, fx().other.pem());
    fs::last_write_time(pem, fs::last_write_time(pem) + 4s);
    r = scanner_.scan({dir_.path()});
    EXPECT_EQ(r.files_parsed, 1U);
    ASSERT_FALSE(r.certificates.empty());
    EXPECT_EQ(r.certificates[0].location, loc("a-leaf.pem"));
    EXPECT_EQ(r.certificates[0].info.serial, "77");
}

TEST_F(Scanner, PassFileChangeReopensThePkcs12) {
    ScanResult r = scanner_.scan({dir_ / "e-nopass.p12"});
    ASSERT_EQ(r.failures.size(), 1U);
    EXPECT_EQ(r.failures[0].code, Errc::password_missing);
    write_file(dir_ / "e-nopass.pass", "wrong");
    r = scanner_.scan({dir_ / "e-nopass.p12"});
    EXPECT_EQ(r.files_parsed, 1U);
    ASSERT_EQ(r.failures.size(), 1U);
    EXPECT_EQ(r.failures[0].code, Errc::password_wrong);
    write_file(dir_ / "e-nopass.pass", "pw\r\n");
    fs::last_write_time(dir_ / "e-nopass.pass", fs::last_write_time(dir_ / "e-nopass.pass") + 2s);
    r = scanner_.scan({dir_ / "e-nopass.p12"});
    EXPECT_EQ(r.files_parsed, 1U);
    EXPECT_TRUE(r.failures.empty());
    ASSERT_EQ(r.certificates.size(), 1U);
    r = scanner_.scan({dir_ / "e-nopass.p12"});
    EXPECT_EQ(r.files_parsed, 0U);
    EXPECT_EQ(r.certificates.size(), 1U);
}

TEST_F(Scanner, DeletedFileDropsOut) {
    scanner_.scan({dir_.path()});
    fs::remove(dir_ / "a-leaf.pem");
    fs::remove(dir_ / "d-garbage.cer");
    const ScanResult r = scanner_.scan({dir_.path()});
    EXPECT_EQ(r.files_examined, 3U);
    EXPECT_EQ(r.files_parsed, 0U);
    EXPECT_EQ(locations(r),
              (std::vector<std::string>{loc("sub/b-ca.der"), loc("sub/deeper/c-bundle.crt"),
                                        loc("sub/deeper/c-bundle.crt")}));
    ASSERT_EQ(r.failures.size(), 1U);
    EXPECT_EQ(r.failures[0].location, loc("e-nopass.p12"));
    // Back again with the same name: parsed, not answered from a stale entry.
    write_file(dir_ / "a-leaf.pem", fx().leaf.pem());
    EXPECT_EQ(scanner_.scan({dir_.path()}).files_parsed, 1U);
}

#ifndef _WIN32
// Links are not followed (tests/certs/test_scan_safety.cpp has the rest): the loop is not
// walked, and each link is one "skipped" record beside the failures the folder already has.
TEST_F(Scanner, SymlinksAreNotWalkedButRecorded) {
    const std::size_t failures_before = scanner_.scan({dir_.path()}).failures.size();
    fs::create_directory_symlink(dir_.path(), dir_ / "sub" / "loop");
    fs::create_directory_symlink(dir_ / "sub" / "deeper", dir_ / "z-link");
    const ScanResult r = scanner_.scan({dir_.path()});
    EXPECT_EQ(r.files_examined, 5U);
    EXPECT_EQ(r.certificates.size(), 4U);
    ASSERT_EQ(r.failures.size(), failures_before + 2);
    std::size_t skipped = 0;
    for (const auto& f : r.failures) skipped += f.code == Errc::skipped ? 1 : 0;
    EXPECT_EQ(skipped, 2U);
}

TEST_F(Scanner, UnlistableFolderIsAFailureAndTheWalkGoesOn) {
    if (::geteuid() == 0) GTEST_SKIP() << "root lists every folder";
    fs::permissions(dir_ / "sub", fs::perms::none);
    const ScanResult r = scanner_.scan({dir_.path()});
    fs::permissions(dir_ / "sub", fs::perms::owner_all);
    EXPECT_EQ(locations(r), (std::vector<std::string>{loc("a-leaf.pem")}));
    ASSERT_EQ(r.failures.size(), 3U);
    EXPECT_EQ(r.failures[2].location, loc("sub"));
    EXPECT_EQ(r.failures[2].code, Errc::io_error);
}
#endif

}  // namespace
}  // namespace credwatch
