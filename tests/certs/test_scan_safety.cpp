// Scans that cannot be led astray (POSIX): a folder anyone may write to holds links to "/" or to
// itself, FIFOs, a .pass that is a link or a FIFO, a PKCS#12 whose iteration count is 2^31-1,
// and a link planted where an atomic write puts its temporary file. Every scan is run on a
// thread with a deadline, so a regression fails instead of hanging the test.

#include "credwatch/certs/certificate.hpp"
#include "credwatch/platform/files.hpp"
#include "credwatch/platform/folder_walk.hpp"
#include "credwatch/platform/platform.hpp"

#include "cert_factory.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace credwatch {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TempDir;
using test::write_file;

const test::TestCert& cert() {
    static const test::TestCert c = test::make_self_signed({.common_name = "scan safety"});
    return c;
}

// Runs `work` on its own thread; nullopt when it has not finished within `limit` (the thread
// is then left behind: the point is that the test reports the hang instead of joining it).
template <class Work>
auto within(std::chrono::seconds limit, Work work) -> std::optional<decltype(work())> {
    using T = decltype(work());
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    std::thread([promise, work = std::move(work)]() mutable {
        promise->set_value(work());
    }).detach();
    if (future.wait_for(limit) != std::future_status::ready) return std::nullopt;
    return future.get();
}

ScanResult scan_within(const std::vector<fs::path>& paths, std::chrono::seconds limit = 20s) {
    auto result = within(limit, [paths] {
        CertificateScanner scanner(ScanCache::none);
        return scanner.scan(paths, "machine");
    });
    if (!result) {
        ADD_FAILURE() << "the scan did not finish within " << limit.count() << " s";
        return {};
    }
    return std::move(*result);
}

const ScanFailure* failure_at(const ScanResult& r, const fs::path& path) {
    const std::string location = platform::to_utf8(path);
    for (const auto& f : r.failures)
        if (f.location == location) return &f;
    return nullptr;
}

std::string describe(const ScanResult& r) {
    std::string text;
    for (const auto& c : r.certificates) text += "cert " + c.location + "\n";
    for (const auto& f : r.failures)
        text +=
            "fail " + f.location + " [" + std::string(to_string(f.code)) + "] " + f.error + "\n";
    return text;
}

// --- links -----------------------------------------------------------------------------------

TEST(ScanSafety, ALinkToTheRootInsideAScannedFolderIsNotFollowedButRecorded) {
    TempDir dir;
    write_file(dir / "own.pem", cert().pem());
    fs::create_directory_symlink("/", dir / "root");
    const ScanResult r = scan_within({dir.path()});
    EXPECT_EQ(r.files_examined, 1u) << describe(r);
    ASSERT_EQ(r.certificates.size(), 1u) << describe(r);
    const ScanFailure* link = failure_at(r, dir / "root");
    ASSERT_NE(link, nullptr) << describe(r);
    EXPECT_EQ(link->code, Errc::skipped);
    EXPECT_NE(link->error.find("symbolic link"), std::string::npos) << link->error;
    EXPECT_EQ(r.failures.size(), 1u) << describe(r);
}

TEST(ScanSafety, ALinkToAFolderOutsideIsNotFollowed) {
    TempDir dir, outside;
    write_file(outside / "elsewhere.pem", cert().pem());
    write_file(dir / "own.pem", cert().pem());
    fs::create_directory_symlink(outside.path(), dir / "out");
    fs::create_symlink(outside / "elsewhere.pem", dir / "linked.pem");
    const ScanResult r = scan_within({dir.path()});
    ASSERT_EQ(r.certificates.size(), 1u) << describe(r);
    EXPECT_EQ(r.certificates[0].location, platform::to_utf8(dir / "own.pem"));
    for (const auto* name : {"out", "linked.pem"}) {
        const ScanFailure* link = failure_at(r, dir / name);
        ASSERT_NE(link, nullptr) << name << "\n" << describe(r);
        EXPECT_EQ(link->code, Errc::skipped) << name;
    }
}

TEST(ScanSafety, TwoLinksToTheFolderItselfMakeNoLoopAndNoDuplicate) {
    TempDir dir;
    write_file(dir / "own.pem", cert().pem());
    fs::create_directory_symlink(".", dir / "a");
    fs::create_directory_symlink(".", dir / "b");
    const ScanResult r = scan_within({dir.path()});
    ASSERT_EQ(r.certificates.size(), 1u) << describe(r);
    EXPECT_EQ(r.certificates[0].location, platform::to_utf8(dir / "own.pem"));
    ASSERT_EQ(r.failures.size(), 2u) << describe(r);
    EXPECT_EQ(r.failures[0].location, platform::to_utf8(dir / "a"));
    EXPECT_EQ(r.failures[1].location, platform::to_utf8(dir / "b"));
    for (const auto& f : r.failures) EXPECT_EQ(f.code, Errc::skipped);
}

TEST(ScanSafety, AFolderGivenAsALinkIsStillScanned) {
    TempDir dir, real;
    write_file(real / "own.pem", cert().pem());
    fs::create_directory_symlink(real.path(), dir / "certs");
    const ScanResult r = scan_within({dir / "certs"});
    EXPECT_EQ(r.certificates.size(), 1u) << describe(r);
    EXPECT_TRUE(r.failures.empty()) << describe(r);
}

// --- FIFOs, devices, sockets ------------------------------------------------------------------

TEST(ScanSafety, AFifoInAScannedFolderIsSkippedWithARecordAndNeverBlocks) {
    TempDir dir;
    write_file(dir / "own.pem", cert().pem());
    ASSERT_EQ(::mkfifo((dir / "trap.pem").c_str(), 0666), 0);
    ASSERT_EQ(::mkfifo((dir / "other-fifo").c_str(), 0666), 0);
    const ScanResult r = scan_within({dir.path()});
    EXPECT_EQ(r.certificates.size(), 1u) << describe(r);
    for (const auto* name : {"trap.pem", "other-fifo"}) {
        const ScanFailure* fifo = failure_at(r, dir / name);
        ASSERT_NE(fifo, nullptr) << name << "\n" << describe(r);
        EXPECT_EQ(fifo->code, Errc::skipped);
        EXPECT_NE(fifo->error.find("a FIFO"), std::string::npos) << fifo->error;
    }
}

TEST(ScanSafety, AFifoNamedExplicitlyIsRefusedWithoutBlocking) {
    TempDir dir;
    ASSERT_EQ(::mkfifo((dir / "named.pem").c_str(), 0666), 0);
    const ScanResult r = scan_within({dir / "named.pem"});
    ASSERT_EQ(r.failures.size(), 1u) << describe(r);
    EXPECT_EQ(r.failures[0].code, Errc::skipped);
    EXPECT_NE(r.failures[0].error.find("a FIFO"), std::string::npos) << r.failures[0].error;
}

// A FIFO under a bundle's name, met by the walk or named: a record, and the scan never blocks.
TEST(ScanSafety, AFifoNamedLikeABundleIsRefusedWithoutBlocking) {
    TempDir dir;
    write_file(dir / "own.pem", cert().pem());
    ASSERT_EQ(::mkfifo((dir / "x.p7b").c_str(), 0666), 0);
    ASSERT_EQ(::mkfifo((dir / "y.P7C").c_str(), 0666), 0);
    for (const auto& paths : std::vector<std::vector<fs::path>>{
             {dir.path()}, {dir / "x.p7b", dir / "y.P7C", dir / "own.pem"}}) {
        const ScanResult r = scan_within(paths);
        EXPECT_EQ(r.certificates.size(), 1u) << describe(r);
        for (const auto* name : {"x.p7b", "y.P7C"}) {
            const ScanFailure* fifo = failure_at(r, dir / name);
            ASSERT_NE(fifo, nullptr) << name << "\n" << describe(r);
            EXPECT_EQ(fifo->code, Errc::skipped);
            EXPECT_NE(fifo->error.find("a FIFO"), std::string::npos) << fifo->error;
        }
    }
}

TEST(ScanSafety, ReadRegularFileRefusesWhatIsNotARegularFileBeforeReading) {
    TempDir dir;
    write_file(dir / "plain", "content");
    fs::create_symlink(dir / "plain", dir / "link");
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0666), 0);
    const auto read = [](const fs::path& p, platform::Links links) {
        auto r = within(10s, [p, links] { return platform::read_regular_file(p, 1024, links); });
        if (!r) ADD_FAILURE() << p << ": the read blocked";
        return r ? std::move(*r) : Result<std::string>(make_error(Errc::internal, "blocked"));
    };
    auto plain = read(dir / "plain", platform::Links::refuse);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(*plain, "content");
    auto link = read(dir / "link", platform::Links::refuse);
    ASSERT_FALSE(link);
    EXPECT_EQ(link.error().code, Errc::skipped);
    EXPECT_NE(link.error().message.find("symbolic link"), std::string::npos);
    auto followed = read(dir / "link", platform::Links::follow);
    ASSERT_TRUE(followed) << "a link someone named is followed";
    for (const auto& [path, what] : std::vector<std::pair<fs::path, std::string>>{
             {dir / "fifo", "a FIFO"}, {dir.path(), "a folder"}, {"/dev/null", "a device"}}) {
        auto refused = read(path, platform::Links::follow);
        ASSERT_FALSE(refused) << path;
        EXPECT_EQ(refused.error().code, Errc::skipped) << path;
        EXPECT_NE(refused.error().message.find(what), std::string::npos) << refused.error().message;
    }
    auto missing = read(dir / "gone", platform::Links::refuse);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

// --- limits ----------------------------------------------------------------------------------

TEST(ScanSafety, TheWalkStopsAtTheDepthAndEntryLimitsWithARecord) {
    TempDir dir;
    fs::create_directories(dir / "1" / "2" / "3");
    write_file(dir / "1" / "2" / "two.pem", "x");
    write_file(dir / "1" / "2" / "3" / "three.pem", "x");
    const auto is_pem = [](std::string_view name) { return name.ends_with(".pem"); };
    std::vector<platform::WalkedFile> files;
    std::vector<platform::WalkFailure> failures;
    platform::walk_folder(platform::to_utf8(dir.path()), is_pem, files, failures,
                          {.max_depth = 2, .max_entries = 100});
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(platform::from_utf8(files[0].location), dir / "1" / "2" / "two.pem");
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].kind, platform::WalkFailure::Kind::limit);
    EXPECT_EQ(platform::from_utf8(failures[0].location), dir / "1" / "2" / "3");
    EXPECT_NE(failures[0].message.find("more than 2 folders below"), std::string::npos)
        << failures[0].message;

    for (int i = 0; i < 10; ++i) write_file(dir / ("many" + std::to_string(i) + ".pem"), "x");
    files.clear();
    failures.clear();
    platform::walk_folder(platform::to_utf8(dir.path()), is_pem, files, failures,
                          {.max_depth = 32, .max_entries = 5});
    EXPECT_LE(files.size(), 5u);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].kind, platform::WalkFailure::Kind::limit);
    EXPECT_NE(failures[0].message.find("more than 5 entries"), std::string::npos)
        << failures[0].message;
}

// --- .pass files -----------------------------------------------------------------------------

class PassFileSafety : public ::testing::Test {
  protected:
    void SetUp() override {
        write_file(dir_ / "client.p12", test::make_pkcs12(cert(), {.password = "secret"}));
    }
    TempDir dir_;
    TempDir outside_;
};

TEST_F(PassFileSafety, APassFileThatIsALinkIsRefusedAndItsTargetNeverRead) {
    write_file(outside_ / "real-password.txt", "secret\n");
    fs::create_symlink(outside_ / "real-password.txt", dir_ / "client.pass");
    const ScanResult r = scan_within({dir_.path()});
    EXPECT_TRUE(r.certificates.empty()) << "opened with a password read through a link\n"
                                        << describe(r);
    const ScanFailure* refused = failure_at(r, dir_ / "client.p12");
    ASSERT_NE(refused, nullptr) << describe(r);
    EXPECT_EQ(refused->code, Errc::permission_denied);
    EXPECT_NE(refused->error.find("client.pass is refused: a symbolic link"), std::string::npos)
        << refused->error;
    EXPECT_EQ(refused->error.find("secret"), std::string::npos) << "never the contents";
}

TEST_F(PassFileSafety, APassFileThatIsAFifoIsRefusedWithoutBlocking) {
    ASSERT_EQ(::mkfifo((dir_ / "client.pass").c_str(), 0666), 0);
    const ScanResult r = scan_within({dir_.path()});
    const ScanFailure* refused = failure_at(r, dir_ / "client.p12");
    ASSERT_NE(refused, nullptr) << describe(r);
    EXPECT_EQ(refused->code, Errc::permission_denied);
    EXPECT_NE(refused->error.find("client.pass is refused: a FIFO"), std::string::npos)
        << refused->error;
}

TEST_F(PassFileSafety, ARegularPassFileBesideItStillOpensIt) {
    write_file(dir_ / "client.pass", "secret\n");
    const ScanResult r = scan_within({dir_.path()});
    EXPECT_EQ(r.certificates.size(), 1u) << describe(r);
}

// --- PKCS#12 iteration counts ----------------------------------------------------------------

constexpr std::int64_t kBomb = 2147483647;  // 2^31-1

std::string der_of(PKCS12* p12) {
    unsigned char* raw = nullptr;
    const int length = i2d_PKCS12(p12, &raw);
    EXPECT_GT(length, 0);
    std::string out(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(length));
    OPENSSL_free(raw);
    return out;
}

std::unique_ptr<PKCS12, decltype(&PKCS12_free)> parse(const std::string& der) {
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    return {d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size())), &PKCS12_free};
}

// A small PKCS#12 (made with the usual 2,048 rounds) whose MAC iteration count is then
// patched to 2^31-1: making it costs nothing, verifying its MAC would take hours.
std::string mac_bomb() {
    auto p12 = parse(test::make_pkcs12(cert(), {.password = "secret"}));
    const ASN1_INTEGER* iter = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12.get());
    EXPECT_NE(iter, nullptr);
    ASN1_INTEGER_set_int64(const_cast<ASN1_INTEGER*>(iter), kBomb);
    return der_of(p12.get());
}

// No MAC; the encrypted certificate safe's PBES2 -> PBKDF2 iteration count patched.
std::string pbkdf2_bomb() {
    auto p12 = parse(test::make_pkcs12(cert(), {.password = "secret", .mac = false}));
    STACK_OF(PKCS7)* safes = PKCS12_unpack_authsafes(p12.get());
    EXPECT_NE(safes, nullptr);
    bool patched = false;
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes, i);
        if (!PKCS7_type_is_encrypted(safe)) continue;
        X509_ALGOR* alg = safe->d.encrypted->enc_data->algorithm;
        EXPECT_EQ(OBJ_obj2nid(alg->algorithm), NID_pbes2);
        auto* pbe2 = static_cast<PBE2PARAM*>(
            ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter));
        auto* kdf = static_cast<PBKDF2PARAM*>(
            ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter));
        ASN1_INTEGER_set_int64(kdf->iter, kBomb);
        ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), kdf, &pbe2->keyfunc->parameter);
        ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBE2PARAM), pbe2, &alg->parameter);
        PBKDF2PARAM_free(kdf);
        PBE2PARAM_free(pbe2);
        patched = true;
    }
    EXPECT_TRUE(patched);
    EXPECT_EQ(PKCS12_pack_authsafes(p12.get(), safes), 1);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    return der_of(p12.get());
}

void expect_refused_unopened(const std::string& bytes, std::string_view what) {
    EXPECT_LT(bytes.size(), 4096u) << "a small file";
    TempDir dir;
    write_file(dir / "bomb.p12", bytes);
    write_file(dir / "bomb.pass", "secret\n");
    // The limit is checked on the structure: no key is derived, so this returns at once. Its
    // old behaviour (2^31-1 rounds) runs into the deadline instead.
    const ScanResult r = scan_within({dir.path()}, 30s);
    EXPECT_TRUE(r.certificates.empty()) << describe(r);
    const ScanFailure* refused = failure_at(r, dir / "bomb.p12");
    ASSERT_NE(refused, nullptr) << describe(r);
    EXPECT_EQ(refused->code, Errc::parse_error);
    EXPECT_NE(refused->error.find(std::string(what) + " iteration count 2147483647 is above the "
                                                      "limit of 10000000"),
              std::string::npos)
        << refused->error;
}

TEST(Pkcs12Limits, AMacIterationCountOf2To31IsRefusedBeforeAnyKeyDerivation) {
    expect_refused_unopened(mac_bomb(), "MAC");
}

TEST(Pkcs12Limits, APbkdf2IterationCountOf2To31IsRefusedBeforeAnyKeyDerivation) {
    expect_refused_unopened(pbkdf2_bomb(), "certificate encryption");
}

TEST(Pkcs12Limits, TheUsualCountsStillOpen) {
    TempDir dir;
    write_file(dir / "ok.p12", test::make_pkcs12(cert(), {.password = "secret"}));
    write_file(dir / "ok.pass", "secret\n");
    EXPECT_EQ(scan_within({dir.path()}).certificates.size(), 1u);
}

// --- the atomic write's temporary file -------------------------------------------------------

TEST(AtomicWrite, ALinkPlantedAtTheTemporaryNameIsNotFollowed) {
    TempDir dir, outside;
    write_file(outside / "victim", "untouched");
    const fs::path target = dir / "credwatch.prom";
    fs::create_symlink(outside / "victim", dir / "credwatch.prom.tmp");
    auto st = platform::write_file_atomically(target, "metrics\n");
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(outside / "victim"), "untouched") << "written through the link";
    EXPECT_EQ(test::read_file(target), "metrics\n");
    EXPECT_FALSE(fs::is_symlink(target));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "credwatch.prom.tmp")));
    struct stat info {};
    ASSERT_EQ(::stat(target.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0644u);
}

}  // namespace
}  // namespace credwatch
