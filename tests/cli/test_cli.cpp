// The credwatch CLI in-process: the output module, argument errors, `scan` on real files, and
// commands against no service and against the real credwatch-service binary.

#include "cert_factory.hpp"
#include "cli.hpp"
#include "credwatch/certs/certificate.hpp"
#include "output.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#endif

extern char** environ;

using namespace credwatch;
using namespace credwatch::cli;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
using credwatch::test::TempDir;
using credwatch::test::write_file;

namespace {

struct CliResult {
    int code = -1;
    std::string out, err;
};

std::ostream& operator<<(std::ostream& os, const CliResult& r) {
    return os << "exit " << r.code << "\n--- stdout:\n" << r.out << "\n--- stderr:\n" << r.err;
}

CliResult run_cli(const std::vector<std::string>& args, const std::string& input = "") {
    std::ostringstream out, err;
    std::istringstream in(input);
    CliResult r;
    r.code = run(args, out, err, in);
    r.out = out.str();
    r.err = err.str();
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The display column where `needle` starts in `line`.
std::size_t column_of(const std::string& line, const std::string& needle) {
    const auto at = line.find(needle);
    EXPECT_NE(at, std::string::npos) << needle << " in " << line;
    return display_width(line.substr(0, at));
}

}  // namespace

TEST(CliOutput, JapaneseCharactersAreTwoColumnsWide) {
    EXPECT_EQ(display_width("abc"), 3u);
    EXPECT_EQ(display_width("医療機関"), 8u);
    EXPECT_EQ(display_width("がん登録 ID"), 11u);
    EXPECT_EQ(display_width("ﾊﾟｽﾜｰﾄﾞ"), 7u);  // halfwidth katakana: one column each
    EXPECT_EQ(display_width("ＡＢ"), 4u);     // fullwidth Latin
    EXPECT_EQ(pad_right("送信済", 10), "送信済    ");
    EXPECT_EQ(pad_right("queued", 10), "queued    ");
    EXPECT_EQ(pad_right("まとめで送信する", 10), "まとめで送信する") << "never cut";
}

TEST(CliOutput, TableColumnsLineUpWithJapaneseText) {
    Table table({"ID", "システム", "状態"});
    table.add_row({"cancer-registry/user-password", "全国がん登録", "期限切れ"});
    table.add_row({"orca", "ORCA クラウド", "ok"});
    table.add_row({"x", "電子申請", "要対応"});
    const auto lines = lines_of(table.render());
    ASSERT_EQ(lines.size(), 4u);
    const std::vector<std::string> second = {"システム", "全国がん登録", "ORCA クラウド",
                                             "電子申請"};
    const std::vector<std::string> third = {"状態", "期限切れ", "ok", "要対応"};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(column_of(lines[i], second[i]), column_of(lines[1], second[1])) << lines[i];
        EXPECT_EQ(column_of(lines[i], third[i]), column_of(lines[1], third[1])) << lines[i];
        EXPECT_NE(lines[i].back(), ' ') << "no trailing spaces: " << lines[i];
    }
    // The widest cell of the second column ("ORCA クラウド", 13 columns) and two spaces.
    EXPECT_EQ(column_of(lines[1], "期限切れ"),
              std::string("cancer-registry/user-password").size() + 2 + 13 + 2);
}

TEST(CliOutput, JsonIsOneParseableLine) {
    std::ostringstream out;
    print_json(out, json::object{{"subject", "CN=山田太郎,O=医療機関"}, {"quote", "a\"b\n"}});
    const std::string text = out.str();
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.find('\n'), text.size() - 1);
    const json::value v = json::parse(text);
    EXPECT_EQ(v.at("subject").as_string(), "CN=山田太郎,O=医療機関");
    EXPECT_EQ(v.at("quote").as_string(), "a\"b\n");
}

TEST(CliArguments, WrongCommandLinesExitWith2) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{},
          {"no-such-command"},
          {"status", "--no-such-option"},
          {"password-changed"},
          {"snooze", "1", "--days", "0"},
          {"snooze", "1", "--days", "2", "--until", "2026-03-01"},
          {"export"},
          {"export", "csv", "neither"},
          {"issued", "x", "--total", "-1"}}) {
        const CliResult r = run_cli(args);
        std::string joined;
        for (const auto& a : args) joined += a + " ";
        EXPECT_EQ(r.code, 2) << joined << "\n" << r;
        EXPECT_FALSE(r.err.empty()) << joined;
    }
}

TEST(CliArguments, HelpGoesToTheOutputAndExits0) {
    const CliResult r = run_cli({"--help"});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("password-changed"), std::string::npos) << r;
}

TEST(CliService, NoServiceExitsWith3AndSaysSo) {
    const TempDir dir("credwatch-cli-noservice");
    const CliResult en = run_cli({"--data-dir", dir.path().string(), "--lang", "en", "status"});
    EXPECT_EQ(en.code, 3) << en;
    EXPECT_EQ(en.out, "");
    EXPECT_NE(en.err.find("Check that the credwatch service is running."), std::string::npos) << en;
    const CliResult ja =
        run_cli({"--data-dir", dir.path().string(), "--lang", "ja", "list", "--json"});
    EXPECT_EQ(ja.code, 3) << ja;
    EXPECT_EQ(ja.out, "");
    EXPECT_NE(ja.err.find("credwatch サービスが起動していることを確認してください。"),
              std::string::npos)
        << ja;
}

TEST(CliScan, JsonHasTheCertificatesThenTheFailures) {
    const TempDir dir("credwatch-cli-scan");
    const auto cert = test::make_self_signed({.common_name = "山田太郎"});
    write_file(dir.path() / "b.pem", cert.pem());
    write_file(dir.path() / "a.cer", cert.der().substr(0, cert.der().size() / 2));
    write_file(dir.path() / "c.crt", "garbage");
    const CliResult r = run_cli({"scan", dir.path().string(), "--json"});
    ASSERT_EQ(r.code, 0) << r;
    const json::value v = json::parse(r.out);
    const auto& records = v.as_array();
    ASSERT_EQ(records.size(), 3u) << r.out;
    EXPECT_EQ(fs::path(std::string(records[0].at("path").as_string())).filename(), "b.pem");
    EXPECT_EQ(records[0].at("subject").as_string(), "CN=山田太郎");
    EXPECT_EQ(fs::path(std::string(records[1].at("path").as_string())).filename(), "a.cer");
    EXPECT_TRUE(records[1].as_object().contains("error"));
    EXPECT_EQ(fs::path(std::string(records[2].at("path").as_string())).filename(), "c.crt");
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line";

    const CliResult human = run_cli({"scan", dir.path().string()});
    ASSERT_EQ(human.code, 0) << human;
    const auto lines = lines_of(human.out);
    ASSERT_GE(lines.size(), 9u) << human.out;
    EXPECT_EQ(lines[0], (dir.path() / "b.pem").string());
    EXPECT_EQ(lines[2].rfind("  issuer:    ", 0), 0u) << lines[2];
    EXPECT_EQ(lines[5], (dir.path() / "a.cer").string());
    EXPECT_EQ(lines[6].rfind("  error: ", 0), 0u) << lines[6];
    EXPECT_EQ(lines[7], (dir.path() / "c.crt").string());
}

// A .p7b in a folder: each certificate of the bundle is a record; a corrupt one is a record too.
TEST(CliScan, EveryCertificateOfAPkcs7BundleIsARecord) {
    const TempDir dir("credwatch-cli-scan-p7b");
    const auto ca =
        test::make_self_signed({.common_name = "Root", .serial_hex = "0C", .is_ca = true});
    const auto leaf = test::make_issued({.common_name = "04500001", .serial_hex = "1F"}, ca);
    write_file(dir.path() / "a-chain.p7b", test::pkcs7_bundle_der({leaf, ca}));
    write_file(dir.path() / "b-chain.p7c", test::pkcs7_bundle_pem({leaf}));
    write_file(dir.path() / "c-broken.p7b", test::pkcs7_bundle_der({leaf}).substr(0, 30));
    const CliResult r = run_cli({"scan", dir.path().string(), "--json"});
    ASSERT_EQ(r.code, 0) << r;
    const json::value v = json::parse(r.out);
    const auto& records = v.as_array();
    ASSERT_EQ(records.size(), 4u) << r.out;
    const auto file_of = [&](std::size_t i) {
        return fs::path(std::string(records[i].at("path").as_string())).filename().string();
    };
    EXPECT_EQ(file_of(0), "a-chain.p7b");
    EXPECT_EQ(records[0].at("subject").as_string(), "CN=04500001");
    EXPECT_EQ(file_of(1), "a-chain.p7b");
    EXPECT_EQ(records[1].at("subject").as_string(), "CN=Root");
    EXPECT_EQ(file_of(2), "b-chain.p7c");
    EXPECT_EQ(file_of(3), "c-broken.p7b");
    EXPECT_EQ(records[3].at("code").as_string(), "parse_error");
    EXPECT_NE(std::string(records[3].at("error").as_string()).find("c-broken.p7b"),
              std::string::npos)
        << r.out;
}

TEST(CliScan, AMissingPathIsARecordNotAFailure) {
    const TempDir dir("credwatch-cli-scan-missing");
    const CliResult r = run_cli({"scan", (dir.path() / "nothing-here").string(), "--json"});
    ASSERT_EQ(r.code, 0) << r;
    const json::value v = json::parse(r.out);
    ASSERT_EQ(v.as_array().size(), 1u);
    EXPECT_EQ(v.as_array()[0].at("code").as_string(), "not_found");
}

#ifndef _WIN32
// The real service binary on a temporary data directory, the CLI in-process against it.
TEST(CliService, CommandsAgainstTheRealService) {
    const TempDir dir("credwatch-cli-service");
    const fs::path data = dir.path() / "data";
    fs::create_directories(data);
    std::vector<std::string> argv_storage{CREDWATCH_SERVICE_EXE, "--data-dir", data.string(),
                                          "--quiet"};
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    posix_spawn_file_actions_t quiet;  // the service's own log lines are not this test's output
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    const int spawned = posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&quiet);
    ASSERT_EQ(spawned, 0);
    struct Reaper {
        pid_t pid;
        ~Reaper() {
            ::kill(pid, SIGTERM);
            int status = 0;
            ::waitpid(pid, &status, 0);
        }
    } reaper{pid};

    const std::vector<std::string> base{"--data-dir", data.string(), "--lang", "en"};
    auto with = [&](std::vector<std::string> rest) {
        std::vector<std::string> args = base;
        args.insert(args.end(), rest.begin(), rest.end());
        return args;
    };
    CliResult list;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
        list = run_cli(with({"list", "--json"}));
        if (list.code != 3) break;
        std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(list.code, 0) << list;
    const json::value v = json::parse(list.out);
    ASSERT_TRUE(v.at("credentials").is_array()) << list.out;

    const CliResult status = run_cli(with({"status"}));
    EXPECT_EQ(status.code, 0) << status;
    const CliResult unknown = run_cli(with({"password-changed", "no/such-credential"}));
    EXPECT_EQ(unknown.code, 1) << unknown;
    EXPECT_EQ(unknown.out, "");
    EXPECT_EQ(unknown.err.rfind("credwatch: error: ", 0), 0u) << unknown;
    const CliResult bad_date = run_cli(with({"status", "--at", "2026-02-30"}));
    EXPECT_EQ(bad_date.code, 1) << bad_date;

    // The issuance ledger: a recorded row, then the call centre's total as a stated row.
    const std::string quota = "cancer-registry/certificate-issuance";
    EXPECT_EQ(run_cli(with({"issued", quota})).code, 0);
    EXPECT_EQ(run_cli(with({"issued", quota, "--total", "4"})).code, 0);
    const CliResult ledger_json = run_cli(with({"issuances", quota, "--json"}));
    ASSERT_EQ(ledger_json.code, 0) << ledger_json;
    const json::value ledger = json::parse(ledger_json.out);  // pure JSON
    const auto& rows = ledger.at("issuances").as_array();
    ASSERT_EQ(rows.size(), 2u) << ledger_json.out;
    EXPECT_EQ(rows[0].at("how").as_string(), "recorded");
    EXPECT_EQ(rows[1].at("how").as_string(), "stated");
    EXPECT_EQ(rows[1].at("total").as_int64(), 4);
    const CliResult ledger_text = run_cli(with({"issuances"}));
    ASSERT_EQ(ledger_text.code, 0) << ledger_text;
    const auto text_lines = lines_of(ledger_text.out);
    ASSERT_EQ(text_lines.size(), 2u) << ledger_text;
    EXPECT_NE(text_lines[0].find("recorded"), std::string::npos) << ledger_text;
    EXPECT_NE(text_lines[0].find("(no certificate yet)"), std::string::npos) << ledger_text;
    EXPECT_NE(text_lines[1].find("total 4"), std::string::npos) << ledger_text;
    // The symptom guide, from the service: pure JSON, and the manual's words in the text.
    const CliResult symptoms_json = run_cli(with({"symptoms", "--json"}));
    ASSERT_EQ(symptoms_json.code, 0) << symptoms_json;
    const json::value symptoms = json::parse(symptoms_json.out);
    ASSERT_FALSE(symptoms.at("symptoms").as_array().empty()) << symptoms_json.out;
    const CliResult symptoms_ja =
        run_cli({"--data-dir", data.string(), "--lang", "ja", "symptoms", "--system", "gtol"});
    ASSERT_EQ(symptoms_ja.code, 0) << symptoms_ja;
    EXPECT_NE(symptoms_ja.out.find("[gtol]"), std::string::npos) << symptoms_ja;
    EXPECT_NE(symptoms_ja.out.find("「ご利用のアカウントが見つからないようです。」"),
              std::string::npos)
        << symptoms_ja;
    EXPECT_NE(symptoms_ja.out.find("sub-gtol-vpn"), std::string::npos) << symptoms_ja;
    EXPECT_EQ(symptoms_ja.out.find("[cancer-registry]"), std::string::npos) << symptoms_ja;
    const CliResult symptoms_en = run_cli(with({"symptoms", "--system", "cancer-registry"}));
    ASSERT_EQ(symptoms_en.code, 0) << symptoms_en;
    EXPECT_NE(symptoms_en.out.find("related checks: cancer-registry/resolve-mio"),
              std::string::npos)
        << symptoms_en;
    const CliResult symptoms_unknown = run_cli(with({"symptoms", "--system", "no-such"}));
    EXPECT_EQ(symptoms_unknown.code, 1) << symptoms_unknown;
    EXPECT_NE(symptoms_unknown.err.find("no-such"), std::string::npos) << symptoms_unknown;

    const CliResult no_such = run_cli(with({"issuances", "no/such-credential"}));
    EXPECT_EQ(no_such.code, 1) << no_such;
    EXPECT_NE(no_such.err.find("no/such-credential"), std::string::npos) << no_such;

    // The service certificate takes candidates (none reported yet) until a match is learnt.
    EXPECT_TRUE(v.at("learnt_matches").as_array().empty()) << list.out;
    const CliResult candidates = run_cli(with({"candidates", "--json"}));
    ASSERT_EQ(candidates.code, 0) << candidates;
    const json::value kinds = json::parse(candidates.out);
    bool service_certificate = false;
    for (const auto& k : kinds.at("kinds").as_array())
        if (k.at("kind").as_string() == "service-certificate") {
            service_certificate = true;
            EXPECT_TRUE(k.at("learnt").is_null());
            EXPECT_TRUE(k.at("candidates").as_array().empty());
        }
    EXPECT_TRUE(service_certificate) << candidates.out;
    const CliResult text = run_cli(with({"candidates", "cancer-registry/service-certificate"}));
    EXPECT_EQ(text.code, 0) << text;
    EXPECT_NE(text.out.find("no candidates"), std::string::npos) << text;
    const CliResult unknown_kind = run_cli(with({"candidates", "no-such-kind"}));
    EXPECT_EQ(unknown_kind.code, 1) << unknown_kind;
    const CliResult reset =
        run_cli(with({"match", "reset", "cancer-registry/service-certificate"}));
    EXPECT_EQ(reset.code, 0) << reset;
    EXPECT_EQ(reset.out, "nothing learnt\n");
    const CliResult bare = run_cli(with({"match", "reset", "service-certificate"}));
    EXPECT_EQ(bare.code, 1) << bare;
    EXPECT_NE(bare.err.find("system/kind"), std::string::npos) << bare;
    EXPECT_EQ(run_cli(with({"match", "forget", "cancer-registry/service-certificate"})).code, 2);
}
#endif

// The streaming scan `credwatch scan` uses: the same records as the collecting scan, the
// certificates in location order; without a cache every scan parses again.
TEST(CliScan, StreamingScanReportsWhatTheCollectingScanReturns) {
    const TempDir dir("credwatch-cli-scan-stream");
    const auto ca = test::make_self_signed({.common_name = "Root", .is_ca = true});
    write_file(dir.path() / "z.pem", test::pem_bundle({ca, test::make_self_signed({})}));
    write_file(dir.path() / "m.cer", ca.der());
    write_file(dir.path() / "a.crt", "garbage");
    fs::create_directories(dir.path() / "sub");
    write_file(dir.path() / "sub" / "b.der", ca.der().substr(0, 40));
    const std::vector<fs::path> paths{dir.path(), dir.path() / "missing"};

    CertificateScanner collecting;
    const ScanResult collected = collecting.scan(paths, "tester");
    ASSERT_EQ(collected.certificates.size(), 3u);
    ASSERT_EQ(collected.failures.size(), 3u);

    CertificateScanner streaming(ScanCache::none);
    std::vector<FoundCertificate> certificates;
    std::vector<ScanFailure> failures;
    const ScanVisitor visitor{
        .certificate = [&](FoundCertificate&& c) { certificates.push_back(std::move(c)); },
        .failure = [&](ScanFailure&& f) { failures.push_back(std::move(f)); }};
    for (int round = 0; round < 2; ++round) {
        certificates.clear();
        failures.clear();
        const ScanCounts counts = streaming.scan(paths, "tester", visitor);
        EXPECT_EQ(counts.files_examined, 4u);
        EXPECT_EQ(counts.files_parsed, 4u) << "no cache: parsed again in round " << round;
        ASSERT_EQ(certificates.size(), collected.certificates.size());
        for (std::size_t i = 0; i < certificates.size(); ++i) {
            EXPECT_EQ(certificates[i].location, collected.certificates[i].location);
            EXPECT_EQ(certificates[i].owner, "tester");
            EXPECT_EQ(certificates[i].info.sha256, collected.certificates[i].info.sha256);
        }
        std::stable_sort(failures.begin(), failures.end(),
                         [](const auto& a, const auto& b) { return a.location < b.location; });
        ASSERT_EQ(failures.size(), collected.failures.size());
        for (std::size_t i = 0; i < failures.size(); ++i) {
            EXPECT_EQ(failures[i].location, collected.failures[i].location);
            EXPECT_EQ(failures[i].error, collected.failures[i].error);
        }
    }
    EXPECT_EQ(collecting.scan(paths, "tester").files_parsed, 0u)
        << "the collecting scanner keeps its cache";
}
