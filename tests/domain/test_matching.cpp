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

// --- candidates, learnt matches, renewal following (domain/candidates.hpp) -----------------

#include "credwatch/domain/candidates.hpp"
#include "credwatch/domain/rules.hpp"

namespace {

constexpr const char* kSolitonCa = "CN=Registry Private CA,O=Soliton-like,C=JP";

TimePoint at(int y, int m, int d) {
    return sys_days{Date{year{y}, month{unsigned(m)}, day{unsigned(d)}}};
}

CredentialKind service_certificate() {
    CredentialKind k;
    k.system = "cancer-registry";
    k.id = "service-certificate";
    k.rule = Rule::certificate_validity;
    k.per = "user";
    k.match.stores = {"CurrentUser\\My"};
    k.expected_lifetime_days = 365;
    k.thresholds = {60, 30, 14, 7, 3, 1};
    return k;
}

// A client certificate as Soliton KeyManager would put it in the user's store.
InventoryEntry client_cert(std::string owner, std::string subject, TimePoint not_after,
                           std::string sha) {
    InventoryEntry e;
    e.certificate.location = "CurrentUser\\My";
    e.certificate.source = "store";
    e.certificate.owner = std::move(owner);
    e.certificate.provenance = Provenance::reported;
    e.certificate.info.subject = std::move(subject);
    e.certificate.info.issuer = kSolitonCa;
    e.certificate.info.not_before = not_after - days(365);
    e.certificate.info.not_after = not_after;
    e.certificate.info.sha256 = std::move(sha);
    e.certificate.info.key_usage = {"digitalSignature"};
    e.certificate.info.extended_key_usage = {"clientAuth"};
    return e;
}

Credential user_credential(std::string owner) {
    Credential c;
    c.id = "cancer-registry/service-certificate@" + owner;
    c.system = "cancer-registry";
    c.kind = "service-certificate";
    c.owner = std::move(owner);
    return c;
}

}  // namespace

TEST(Candidates, ClientCertificatesLookLikeOne) {
    const TimePoint now = at(2026, 12, 1);
    auto e = client_cert("yamada", "CN=04500001", at(2027, 6, 1), "a");
    EXPECT_TRUE(looks_like_client_certificate(e.certificate.info, now));
    auto ca = e;
    ca.certificate.info.is_ca = true;
    EXPECT_FALSE(looks_like_client_certificate(ca.certificate.info, now));
    auto server = e;
    server.certificate.info.extended_key_usage = {"serverAuth"};
    EXPECT_FALSE(looks_like_client_certificate(server.certificate.info, now));
    auto no_eku = e;
    no_eku.certificate.info.extended_key_usage.clear();
    EXPECT_TRUE(looks_like_client_certificate(no_eku.certificate.info, now));
    no_eku.certificate.info.key_usage = {"keyEncipherment"};
    EXPECT_FALSE(looks_like_client_certificate(no_eku.certificate.info, now));
    auto old = e;
    old.certificate.info.not_after = now - days(366);
    EXPECT_FALSE(looks_like_client_certificate(old.certificate.info, now));
    old.certificate.info.not_after = now - days(300);
    EXPECT_TRUE(looks_like_client_certificate(old.certificate.info, now));
}

TEST(Candidates, ListsUnclaimedClientCertificatesOnly) {
    const TimePoint now = at(2026, 12, 1);
    auto wanted = client_cert("yamada", "CN=04500001", at(2027, 6, 1), "a");
    auto ca = client_cert("yamada", "CN=Registry Private CA", at(2036, 1, 1), "b");
    ca.certificate.info.is_ca = true;
    auto expired = client_cert("yamada", "CN=04500001", now - days(400), "c");
    auto claimed = client_cert("yamada", "CN=oqs", at(2027, 1, 1), "d");
    claimed.certificate.info.issuer = "CN=Online Billing NW Common Root CA";
    auto bound = client_cert("yamada", "CN=bound", at(2027, 1, 1), "e");
    bound.bound_credential = "orca/client";
    std::vector<InventoryEntry> inventory{wanted, ca, expired, claimed, bound, wanted};
    auto found = certificate_candidates(service_certificate(), {oqs(), service_certificate()},
                                        inventory, now);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].info.sha256, "a");
    // A kind the catalog describes takes no candidates.
    EXPECT_TRUE(certificate_candidates(oqs(), {}, inventory, now).empty());
}

TEST(Candidates, TheAccountInTheSubjectIsLearnt) {
    EXPECT_EQ(account_in_subject("CN=04500001,O=Clinic"), "04500001");
    EXPECT_EQ(account_in_subject("UID=04500001,CN=山田 太郎"), "04500001");
    EXPECT_EQ(account_in_subject("CN=山田 04500001-02"), "04500001");
    EXPECT_EQ(account_in_subject("CN=045000012,O=x"), "");
    EXPECT_EQ(account_in_subject("CN=yamada,O=04500001"), "");
    auto e = client_cert("yamada", "CN=04500001,O=Clinic", at(2027, 6, 1), "a");
    LearntMatch m = learn_match(service_certificate(), e.certificate.info);
    EXPECT_EQ(m.issuer, kSolitonCa);
    EXPECT_EQ(m.subject_contains, "04500001");
    EXPECT_EQ(m.learnt_from, "a");
}

TEST(Candidates, ALearntMatchFindsOtherUsersCertificatesWithoutAClick) {
    auto kind = service_certificate();
    auto yamada = client_cert("yamada", "CN=04500001,O=Clinic", at(2027, 6, 1), "a");
    auto suzuki = client_cert("suzuki", "CN=04500001 suzuki,O=Clinic", at(2027, 8, 1), "b");
    auto stranger = client_cert("suzuki", "CN=99999999,O=Other", at(2027, 9, 1), "c");
    std::vector<InventoryEntry> inventory{yamada, suzuki, stranger};
    EXPECT_FALSE(best_match(user_credential("suzuki"), kind, inventory));
    auto learnt = learn_match(kind, yamada.certificate.info);
    auto effective = with_learnt_match(kind, {learnt});
    EXPECT_TRUE(effective.match.learnt);
    auto found = best_match(user_credential("suzuki"), effective, inventory);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->info.sha256, "b");
    // A kind with a learnt match takes no more candidates.
    EXPECT_TRUE(certificate_candidates(effective, {effective}, {suzuki}, at(2026, 12, 1)).empty());
}

TEST(Candidates, AConfirmedCertificateDoesNotPinTheCredential) {
    auto kind = service_certificate();
    auto first = client_cert("yamada", "CN=04500001,O=Clinic", at(2027, 6, 1), "a");
    first.bound_credential = user_credential("yamada").id;  // confirmed with `bind`
    auto renewal = client_cert("yamada", "CN=04500001,O=Clinic", at(2028, 6, 1), "b");
    std::vector<InventoryEntry> inventory{first, renewal};
    // The same issuer and subject: the renewal follows even under the catalog's (empty) match.
    auto found = best_match(user_credential("yamada"), kind, inventory);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->info.sha256, "b");
    // A newer certificate with a new subject follows only under the learnt match.
    auto reissued = client_cert("yamada", "CN=04500001 reissued,O=Clinic", at(2028, 9, 1), "c");
    inventory.push_back(reissued);
    EXPECT_EQ(best_match(user_credential("yamada"), kind, inventory)->info.sha256, "b");
    auto effective = with_learnt_match(kind, {learn_match(kind, first.certificate.info)});
    EXPECT_EQ(best_match(user_credential("yamada"), effective, inventory)->info.sha256, "c");
    // Another user's renewal never follows.
    auto other = client_cert("suzuki", "CN=04500001,O=Clinic", at(2029, 6, 1), "d");
    inventory.push_back(other);
    EXPECT_EQ(best_match(user_credential("yamada"), effective, inventory)->info.sha256, "c");
}

TEST(EstimatedDeadline, AnIssuanceEstimatesTheServiceCertificate) {
    auto kind = service_certificate();
    Credential c = user_credential("yamada");
    const TimePoint issued = at(2026, 3, 1) + hours(10);
    Evaluation e = evaluate_with_estimate(c, kind, issued, at(2027, 1, 15));
    EXPECT_TRUE(e.estimated);
    ASSERT_TRUE(e.deadline);
    EXPECT_EQ(*e.deadline, issued + days(365));
    EXPECT_EQ(e.state, State::due_soon);  // 45 days before 2027-03-01
    // Nothing issued: still "to record".
    Evaluation none = evaluate_with_estimate(c, kind, std::nullopt, at(2027, 1, 15));
    EXPECT_FALSE(none.estimated);
    EXPECT_EQ(none.state, State::unknown);
    // A real certificate replaces the estimate.
    c.not_after = at(2027, 2, 20);
    Evaluation real = evaluate_with_estimate(c, kind, issued, at(2027, 1, 15));
    EXPECT_FALSE(real.estimated);
    EXPECT_EQ(*real.deadline, at(2027, 2, 20));
    // A kind with no documented lifetime gives no estimate.
    c.not_after.reset();
    kind.expected_lifetime_days = 0;
    EXPECT_FALSE(evaluate_with_estimate(c, kind, issued, at(2027, 1, 15)).estimated);
}
