#include "credwatch/domain/matching.hpp"

#include <gtest/gtest.h>

using namespace credwatch;
using namespace std::chrono;

namespace {

InventoryEntry cert(std::string location, std::string source, std::string owner, std::string issuer,
                    int not_after_year, std::string sha) {
    InventoryEntry e;
    e.certificate.location = std::move(location);
    e.certificate.source = std::move(source);
    e.certificate.owner = std::move(owner);
    e.certificate.info.issuer = std::move(issuer);
    e.certificate.info.subject = "CN=test";
    e.certificate.info.not_after = sys_days{Date{year{not_after_year}, month{1}, day{1}}};
    e.certificate.info.sha256 = std::move(sha);
    return e;
}

CredentialKind orca_client() {
    CredentialKind k;
    k.rule = Rule::certificate_validity;
    k.match.file_patterns = {"client*.p12", "client*.pfx"};
    k.match.stores = {"file"};
    return k;
}

CredentialKind oqs() {
    CredentialKind k;
    k.rule = Rule::certificate_validity;
    k.match.issuer_contains = {"Online Billing NW Common Root CA"};
    k.match.stores = {"CurrentUser\\My", "file"};
    return k;
}

}  // namespace

TEST(Glob, MatchesLikeAShell) {
    EXPECT_TRUE(glob_match("client*.p12", "client1423.p12"));
    EXPECT_TRUE(glob_match("client*.p12", "CLIENT1423.P12"));
    EXPECT_TRUE(glob_match("client*.p12", "client.p12"));
    EXPECT_FALSE(glob_match("client*.p12", "client1423.pfx"));
    EXPECT_FALSE(glob_match("client*.p12", "myclient1423.p12"));
    EXPECT_TRUE(glob_match("ca.crt", "ca.crt"));
    EXPECT_TRUE(glob_match("c?.crt", "ca.crt"));
    EXPECT_FALSE(glob_match("c?.crt", "caa.crt"));
    EXPECT_TRUE(glob_match("*", ""));
}

TEST(Matching, FilePatternsApplyToTheFileName) {
    auto k = orca_client();
    EXPECT_TRUE(matches(
        k.match,
        cert("/srv/orca/client1423.p12", "file", "machine", "CN=ca", 2030, "a").certificate));
    EXPECT_TRUE(matches(
        k.match, cert("C:\\Users\\山田\\証明書\\client1423.p12", "file", "山田", "CN=ca", 2030, "a")
                     .certificate));
    EXPECT_FALSE(matches(
        k.match, cert("/srv/orca/server.p12", "file", "machine", "CN=ca", 2030, "a").certificate));
    EXPECT_FALSE(matches(
        k.match, cert("CurrentUser\\My", "store", "yamada", "CN=ca", 2030, "a").certificate));
}

TEST(Matching, IssuerPatternSelectsStoreCertificates) {
    auto k = oqs();
    EXPECT_TRUE(matches(k.match, cert("CurrentUser\\My", "store", "yamada",
                                      "CN=Online Billing NW Common Root CA,O=X", 2030, "a")
                                     .certificate));
    EXPECT_FALSE(matches(
        k.match, cert("CurrentUser\\My", "store", "yamada", "CN=Other CA", 2030, "a").certificate));
    EXPECT_FALSE(matches(k.match, cert("LocalMachine\\Root", "store", "machine",
                                       "CN=Online Billing NW Common Root CA", 2030, "a")
                                      .certificate));
    EXPECT_FALSE(matches(CertificateMatch{},
                         cert("x.pem", "file", "machine", "CN=a", 2030, "a").certificate));
}

TEST(Matching, BestMatchPrefersTheLatestAndAnExplicitBinding) {
    auto k = orca_client();
    Credential c;
    c.id = "orca-cloud/client-certificate";
    std::vector<InventoryEntry> inv{
        cert("/a/client1.p12", "file", "machine", "CN=ca", 2027, "old"),
        cert("/a/client2.p12", "file", "machine", "CN=ca", 2029, "new"),
        cert("/a/other.pem", "file", "machine", "CN=ca", 2035, "other")};
    auto best = best_match(c, k, inv);
    ASSERT_TRUE(best);
    EXPECT_EQ(best->info.sha256, "new");
    inv[2].bound_credential = c.id;  // a person said this one is it
    EXPECT_EQ(best_match(c, k, inv)->info.sha256, "other");
}

TEST(Matching, UserCredentialsOnlySeeTheirOwnersCertificates) {
    auto k = orca_client();
    Credential c;
    c.owner = "suzuki";
    std::vector<InventoryEntry> inv{
        cert("/home/yamada/client1.p12", "file", "yamada", "CN=ca", 2030, "y")};
    EXPECT_FALSE(best_match(c, k, inv));
    c.owner = "yamada";
    EXPECT_TRUE(best_match(c, k, inv));
    c.owner = "machine";
    EXPECT_TRUE(best_match(c, k, inv));
}

TEST(Matching, CountsDistinctCertificatesForQuotas) {
    auto k = orca_client();
    Credential c;
    std::vector<InventoryEntry> inv{cert("/a/client1.p12", "file", "machine", "CN=ca", 2027, "one"),
                                    cert("/b/client1.p12", "file", "machine", "CN=ca", 2027, "one"),
                                    cert("/a/client2.p12", "file", "machine", "CN=ca", 2028, "two"),
                                    cert("/a/x.pem", "file", "machine", "CN=ca", 2028, "three")};
    EXPECT_EQ(count_matching(c, k, inv), 2);
}
