// The real credwatch-service binary on a temporary data directory, driven by the real credwatch
// CLI (and, for protocol errors, by a raw client on the Unix socket). Every child process is
// killed at the end of its test; every wait is bounded by a deadline and polls.

#include "cert_factory.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using credwatch::test::read_file;
using credwatch::test::TempDir;
using credwatch::test::write_file;

constexpr auto kDeadline = 10s;  // no single wait in these tests is longer
const char* const kPassword = "cancer-registry/user-password";
const char* const kIssuance = "cancer-registry/certificate-issuance";

// Polls `done` every few milliseconds until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = kDeadline) {
    const auto end = Clock::now() + timeout;
    for (;;) {
        if (done()) return true;
        if (Clock::now() >= end) return false;
        std::this_thread::sleep_for(20ms);
    }
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string read_or_empty(const fs::path& p) {
    std::error_code ec;
    if (!fs::exists(p, ec)) return {};
    return read_file(p);
}

// The environment of every child: ours, with a fixed time zone and language.
std::vector<std::string> child_environment() {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view v(*e);
        if (v.starts_with("TZ=") || v.starts_with("LANG=") || v.starts_with("LC_ALL=") ||
            v.starts_with("LANGUAGE=") || v.starts_with("LC_MESSAGES="))
            continue;
        env.emplace_back(v);
    }
    env.emplace_back("TZ=Asia/Tokyo");
    env.emplace_back("LANG=C.UTF-8");
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& items) {
    std::vector<char*> out;
    for (auto& s : items) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// A child process with stdout and stderr in files; killed (SIGKILL) and reaped on destruction
// if it is still running.
class Child {
  public:
    Child(std::vector<std::string> argv, fs::path out, fs::path err)
        : out_(std::move(out)), err_(std::move(err)) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        auto env = child_environment();
        auto c_argv = c_strings(argv);
        auto c_env = c_strings(env);
        int rc = posix_spawn(&pid_, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            ADD_FAILURE() << "posix_spawn(" << argv[0] << ") failed: " << std::strerror(rc);
            pid_ = -1;
        }
    }
    ~Child() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            wait_for(kDeadline);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    bool running() {
        if (pid_ <= 0 || status_) return false;
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = st;
            return false;
        }
        return r == 0;
    }
    // The exit code (128 + signal when killed by one), or nullopt on timeout.
    std::optional<int> wait_for(std::chrono::milliseconds timeout) {
        if (!wait_until([this] { return !running(); }, timeout) || !status_) return std::nullopt;
        if (WIFEXITED(*status_)) return WEXITSTATUS(*status_);
        if (WIFSIGNALED(*status_)) return 128 + WTERMSIG(*status_);
        return -1;
    }
    void signal(int sig) {
        if (running()) ::kill(pid_, sig);
    }
    std::string out() const { return read_or_empty(out_); }
    std::string err() const { return read_or_empty(err_); }

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    fs::path out_, err_;
};

struct CliRun {
    int code = -1;
    std::string out, err;
};

std::ostream& operator<<(std::ostream& os, const CliRun& r) {
    return os << "exit " << r.code << "\n--- stdout:\n" << r.out << "\n--- stderr:\n" << r.err;
}

// A connection of our own to the service's socket.
class RawClient {
  public:
    explicit RawClient(const std::string& path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            if (fd_ >= 0) ::close(fd_);
            fd_ = -1;
        }
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return fd_ >= 0; }
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    // One line without '\n', or nullopt on timeout / closed connection.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = kDeadline) {
        const auto end = Clock::now() + timeout;
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_ = -1;
    std::string buffer_;
};

std::optional<json::value> parse(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return std::nullopt;
    return v;
}

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : "";
}

// Today's date in Tokyo (UTC+9, no DST), computed without the product's code.
std::chrono::year_month_day tokyo_today() {
    return std::chrono::year_month_day{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + 9h)};
}

std::string iso_date(std::chrono::year_month_day d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

std::chrono::year_month_day plus_days(std::chrono::year_month_day d, int n) {
    return std::chrono::year_month_day{std::chrono::sys_days{d} + std::chrono::days{n}};
}

std::string iso_utc(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

class ServiceProcessTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ::setenv("TZ", "Asia/Tokyo", 1);
        ::tzset();
    }

    fs::path data() const { return dir_ / "data"; }
    fs::path socket_path() const { return data() / "credwatch.sock"; }

    // Starts a service on data() with extra arguments (not waiting for it).
    std::unique_ptr<Child> spawn_service(std::vector<std::string> extra = {}) {
        std::vector<std::string> argv{CREDWATCH_SERVICE_EXE, "--data-dir",
                                      data().string(),       "--quiet",
                                      "--log-level",         "debug"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        ++spawned_;
        return std::make_unique<Child>(argv, dir_ / ("service" + std::to_string(spawned_) + ".out"),
                                       dir_ / ("service" + std::to_string(spawned_) + ".err"));
    }

    bool socket_accepts() const {
        RawClient c(socket_path().string());
        return c.connected();
    }

    // Starts the service and waits (bounded) until its socket accepts a connection.
    void start_service(std::vector<std::string> extra = {}) {
        service_ = spawn_service(std::move(extra));
        bool ready = wait_until([&] { return socket_accepts() || !service_->running(); });
        ASSERT_TRUE(ready && service_->running())
            << "the service did not become ready within " << kDeadline.count() << " s\n"
            << "stderr:\n"
            << service_->err();
    }

    // SIGTERM, and the exit code (nullopt if it did not exit in time).
    std::optional<int> stop_service() {
        if (!service_) return std::nullopt;
        service_->signal(SIGTERM);
        auto code = service_->wait_for(kDeadline);
        return code;
    }

    CliRun cli(std::vector<std::string> args) {
        std::vector<std::string> argv{CREDWATCH_CLI_EXE, "--data-dir", data().string(), "--lang",
                                      "en"};
        argv.insert(argv.end(), args.begin(), args.end());
        ++cli_runs_;
        Child child(argv, dir_ / ("cli" + std::to_string(cli_runs_) + ".out"),
                    dir_ / ("cli" + std::to_string(cli_runs_) + ".err"));
        CliRun r;
        auto code = child.wait_for(kDeadline);
        r.out = child.out();
        r.err = child.err();
        if (!code) {
            ADD_FAILURE() << "credwatch " << (args.empty() ? "" : args.front())
                          << " did not finish within " << kDeadline.count() << " s";
            return r;
        }
        r.code = *code;
        return r;
    }

    // `credwatch <args> --json`, expected to succeed; the parsed output.
    json::value cli_json(std::vector<std::string> args) {
        args.emplace_back("--json");
        CliRun r = cli(args);
        EXPECT_EQ(r.code, 0) << r;
        auto v = parse(r.out);
        if (!v) {
            ADD_FAILURE() << "not JSON: " << r;
            return nullptr;
        }
        return *v;
    }

    // The row of one credential in `status --json` ({} when missing).
    json::object status_row(const std::string& id) {
        json::value status = cli_json({"status"});
        if (status.is_object())
            if (const auto* creds = status.as_object().if_contains("credentials");
                creds && creds->is_array())
                for (const auto& r : creds->as_array())
                    if (r.is_object() && str(r.as_object().at("id")) == id) return r.as_object();
        return {};
    }

    TempDir dir_{"cw-int"};
    std::unique_ptr<Child> service_;
    int spawned_ = 0;
    int cli_runs_ = 0;
};

// --- status, records, persistence ----------------------------------------------------------

TEST_F(ServiceProcessTest, StatusJsonListsEveryFieldAndAPasswordChangeSurvivesARestart) {
    ASSERT_NO_FATAL_FAILURE(start_service());

    json::value status = cli_json({"status"});
    ASSERT_TRUE(status.is_object()) << json::serialize(status);
    const auto& creds = status.at("credentials").as_array();
    ASSERT_FALSE(creds.empty());
    bool password_listed = false;
    for (const auto& row : creds) {
        ASSERT_TRUE(row.is_object());
        const auto& o = row.as_object();
        for (const char* key : {"id", "system", "kind", "label", "owner", "deadline", "days_left",
                                "state", "issued", "limit"})
            EXPECT_TRUE(o.contains(key)) << "field " << key << " missing in " << json::serialize(o);
        for (const char* key : {"id", "system", "kind", "label", "owner", "state"})
            EXPECT_TRUE(o.at(key).is_string()) << key << " in " << json::serialize(o);
        if (str(o.at("id")) == kPassword) {
            password_listed = true;
            EXPECT_EQ(str(o.at("state")), "unknown");
            EXPECT_TRUE(o.at("deadline").is_null());
        }
    }
    EXPECT_TRUE(password_listed);

    const auto on = plus_days(tokyo_today(), -10);
    CliRun changed = cli({"password-changed", kPassword, "--on", iso_date(on)});
    EXPECT_EQ(changed.code, 0) << changed;

    const auto deadline_date = plus_days(on, 60);
    // Local midnight in Tokyo is 15:00 UTC the day before.
    const std::string deadline = iso_utc(std::chrono::sys_days{deadline_date} - 9h);
    json::object row = status_row(kPassword);
    EXPECT_EQ(str(row["deadline"]), deadline) << json::serialize(row);
    EXPECT_EQ(str(row["deadline_date"]), iso_date(deadline_date));
    EXPECT_EQ(row["days_left"].as_int64(), 50);
    EXPECT_EQ(str(row["state"]), "ok");

    auto code = stop_service();
    ASSERT_TRUE(code.has_value()) << "the service did not exit within 10 s of SIGTERM";
    EXPECT_EQ(*code, 0) << service_->err();
    EXPECT_FALSE(fs::exists(socket_path())) << "the socket is removed at stop";
    CliRun down = cli({"status"});
    EXPECT_EQ(down.code, 3) << down;

    ASSERT_NO_FATAL_FAILURE(start_service());
    json::object again = status_row(kPassword);
    EXPECT_EQ(str(again["deadline"]), deadline) << "persisted: " << json::serialize(again);
    EXPECT_EQ(str(again["renewed_on"]), iso_date(on));
    auto code2 = stop_service();
    ASSERT_TRUE(code2.has_value());
    EXPECT_EQ(*code2, 0);
}

TEST_F(ServiceProcessTest, IssuedCountsOneAgainstTheLimitOfSix) {
    ASSERT_NO_FATAL_FAILURE(start_service());
    json::value issued = cli_json({"issued", kIssuance});
    ASSERT_TRUE(issued.is_object()) << json::serialize(issued);
    EXPECT_EQ(issued.at("issued").as_int64(), 1);
    EXPECT_EQ(issued.at("limit").as_int64(), 6);

    json::object row = status_row(kIssuance);
    EXPECT_EQ(row["issued"].as_int64(), 1);
    EXPECT_EQ(row["limit"].as_int64(), 6);

    CliRun human = cli({"issued", kIssuance});
    EXPECT_EQ(human.code, 0) << human;
    EXPECT_EQ(status_row(kIssuance)["issued"].as_int64(), 2);
    CliRun lowered = cli({"issued", kIssuance, "--total", "1"});
    EXPECT_NE(lowered.code, 0) << "lowering the count is refused: " << lowered;
    EXPECT_EQ(status_row(kIssuance)["issued"].as_int64(), 2);
}

TEST_F(ServiceProcessTest, ErrorsNameWhatWasWrong) {
    ASSERT_NO_FATAL_FAILURE(start_service());

    CliRun unknown = cli({"password-changed", "no-such/credential"});
    EXPECT_NE(unknown.code, 0) << unknown;
    EXPECT_TRUE(contains(unknown.err, "no-such/credential")) << unknown;

    CliRun bad_date = cli({"password-changed", kPassword, "--on", "2026-13-45"});
    EXPECT_NE(bad_date.code, 0) << bad_date;
    EXPECT_TRUE(contains(bad_date.err, "2026-13-45")) << bad_date;

    CliRun slashes = cli({"status", "--at", "21/11/2026"});
    EXPECT_NE(slashes.code, 0) << slashes;
    EXPECT_TRUE(contains(slashes.err, "21/11/2026")) << slashes;

    CliRun usage = cli({"frobnicate"});
    EXPECT_EQ(usage.code, 2) << usage;

    // Nothing was recorded by the failures, and the service still answers.
    EXPECT_EQ(str(status_row(kPassword)["state"]), "unknown");
}

TEST_F(ServiceProcessTest, ServiceNotRunningIsExitCodeThreeWithAClearMessage) {
    fs::create_directories(data());
    CliRun r = cli({"status"});
    EXPECT_EQ(r.code, 3) << r;
    EXPECT_TRUE(contains(lower(r.err), "not running")) << r;
    CliRun change = cli({"password-changed", kPassword});
    EXPECT_EQ(change.code, 3) << change;
}

TEST_F(ServiceProcessTest, ASecondServiceOnTheSameDataDirectoryIsRefused) {
    ASSERT_NO_FATAL_FAILURE(start_service());
    auto second = spawn_service();
    auto code = second->wait_for(kDeadline);
    ASSERT_TRUE(code.has_value()) << "the second service must exit, not run";
    EXPECT_NE(*code, 0);
    std::string err = lower(second->err());
    EXPECT_TRUE(contains(err, "another") && contains(err, "running")) << err;

    EXPECT_TRUE(service_->running());
    CliRun status = cli({"status", "--json"});
    EXPECT_EQ(status.code, 0) << "the first one keeps serving: " << status;
    EXPECT_TRUE(fs::exists(socket_path())) << "the refused one must not remove the socket";
}

// --- raw protocol --------------------------------------------------------------------------

TEST_F(ServiceProcessTest, GarbageOnTheSocketIsAProtocolErrorAndTheConnectionKeepsWorking) {
    ASSERT_NO_FATAL_FAILURE(start_service());
    RawClient client(socket_path().string());
    ASSERT_TRUE(client.connected());

    ASSERT_TRUE(client.send("{\"garbage\n"));
    auto line = client.read_line();
    ASSERT_TRUE(line.has_value()) << "no reply to a malformed line";
    auto reply = parse(*line);
    ASSERT_TRUE(reply && reply->is_object()) << *line;
    ASSERT_TRUE(reply->as_object().contains("error")) << *line;
    EXPECT_EQ(str(reply->at("error").at("code")), "protocol_error") << *line;
    EXPECT_EQ(reply->at("v").as_int64(), 1);

    ASSERT_TRUE(client.send("{\"v\":1,\"id\":2,\"method\":\"hello\"}\n"));
    line = client.read_line();
    ASSERT_TRUE(line.has_value()) << "the connection must survive a malformed line";
    reply = parse(*line);
    ASSERT_TRUE(reply && reply->is_object()) << *line;
    EXPECT_EQ(reply->at("id").as_int64(), 2) << *line;
    ASSERT_TRUE(reply->as_object().contains("result")) << *line;
    EXPECT_EQ(reply->at("result").at("protocol").as_int64(), 1);

    // Two requests in one write, CR LF line ends: two replies in order.
    ASSERT_TRUE(
        client.send("{\"v\":1,\"id\":3,\"method\":\"hello\"}\r\n"
                    "{\"v\":2,\"id\":4,\"method\":\"hello\"}\n"));
    auto third = client.read_line();
    auto fourth = client.read_line();
    ASSERT_TRUE(third && fourth);
    EXPECT_EQ(parse(*third)->at("id").as_int64(), 3) << *third;
    EXPECT_EQ(str(parse(*fourth)->at("error").at("code")), "unsupported_version") << *fourth;

    EXPECT_TRUE(service_->running());
    EXPECT_EQ(cli({"status"}).code, 0);
}

TEST_F(ServiceProcessTest, AnOversizedLineIsRefusedAndOnlyThatConnectionIsDropped) {
    ASSERT_NO_FATAL_FAILURE(start_service());
    {
        RawClient client(socket_path().string());
        ASSERT_TRUE(client.connected());
        // Beyond the 4 MiB limit and no newline: the service must not buffer without end.
        const std::string huge(4 * 1024 * 1024 + 64, 'x');
        client.send(huge);  // may fail part way once the service has dropped the connection
        auto line = client.read_line();
        ASSERT_TRUE(line.has_value()) << "the service answers an oversized line before dropping it";
        auto reply = parse(*line);
        ASSERT_TRUE(reply && reply->is_object()) << line->substr(0, 200);
        EXPECT_EQ(str(reply->at("error").at("code")), "protocol_error") << *line;
        EXPECT_FALSE(client.read_line(2s).has_value()) << "the connection is closed after that";
    }
    {
        // A client that goes away in the middle of a line.
        RawClient client(socket_path().string());
        ASSERT_TRUE(client.connected());
        ASSERT_TRUE(client.send("{\"v\":1,\"id\":1,\"meth"));
    }
    EXPECT_TRUE(service_->running());
    CliRun status = cli({"status", "--json"});
    EXPECT_EQ(status.code, 0) << status;
}

TEST_F(ServiceProcessTest, SigtermStopsTheServiceCleanlyWhileAClientIsConnected) {
    ASSERT_NO_FATAL_FAILURE(start_service());
    RawClient idle(socket_path().string());
    ASSERT_TRUE(idle.connected());
    ASSERT_TRUE(idle.send("{\"v\":1,\"id\":1,\"method\":\"subscribe\"}\n"));
    auto subscribed = idle.read_line();
    ASSERT_TRUE(subscribed.has_value());
    EXPECT_TRUE(contains(*subscribed, "\"subscribed\":true")) << *subscribed;

    auto code = stop_service();
    ASSERT_TRUE(code.has_value()) << "the service did not exit within 10 s of SIGTERM";
    EXPECT_EQ(*code, 0) << service_->err();
    EXPECT_FALSE(idle.read_line(2s).has_value()) << "the client sees the connection close";
    EXPECT_FALSE(fs::exists(socket_path()));
}

// --- configuration -------------------------------------------------------------------------

TEST_F(ServiceProcessTest, AnInvalidCatalogStopsTheStartNamingTheFileAndTheLine) {
    std::string catalog = read_file(fs::path(CREDWATCH_SOURCE_DIR) / "config" / "catalog.toml");
    const std::string field = "lifetime_days = 60";
    auto pos = catalog.find(field);
    ASSERT_NE(pos, std::string::npos) << "config/catalog.toml changed: update this test";
    catalog.replace(pos, field.size(), "lifetime_days = \"sixty days\"");
    const auto line =
        1 + std::count(catalog.begin(), catalog.begin() + static_cast<long>(pos), '\n');
    const fs::path bad = dir_ / "bad.toml";
    write_file(bad, catalog);

    auto service = spawn_service({"--catalog", bad.string()});
    auto code = service->wait_for(kDeadline);
    ASSERT_TRUE(code.has_value()) << "the service must refuse to start, not run";
    EXPECT_NE(*code, 0);
    std::string err = service->err();
    EXPECT_TRUE(contains(err, "bad.toml:" + std::to_string(line)))
        << "stderr must name bad.toml and line " << line << ":\n"
        << err;
    EXPECT_TRUE(contains(err, "lifetime_days")) << err;
    EXPECT_FALSE(fs::exists(socket_path()));

    const fs::path missing = dir_ / "no-such-catalog.toml";
    auto service2 = spawn_service({"--catalog", missing.string()});
    auto code2 = service2->wait_for(kDeadline);
    ASSERT_TRUE(code2.has_value());
    EXPECT_NE(*code2, 0);
    EXPECT_TRUE(contains(service2->err(), "no-such-catalog.toml")) << service2->err();
}

TEST_F(ServiceProcessTest, SighupKeepsTheOldConfigurationOnErrorAndAppliesAFixedOne) {
    const fs::path site = dir_ / "site.toml";
    const std::string good =
        "[service]\nlanguage = \"en\"\n\n"
        "[[credential]]\nid = \"cancer-registry/user-password\"\nsystem = \"cancer-registry\"\n"
        "kind = \"user-password\"\n";
    write_file(site, good);
    ASSERT_NO_FATAL_FAILURE(start_service({"--config", site.string()}));
    ASSERT_FALSE(status_row(kPassword).empty());
    EXPECT_TRUE(status_row("gtol/user-password").empty());

    write_file(site, good + "\n[service2]\nbroken = true\n[[credential]]\nid = 42\n");
    service_->signal(SIGHUP);
    EXPECT_TRUE(wait_until([&] { return contains(service_->err(), "reload refused"); }))
        << "the refused reload is logged:\n"
        << service_->err();
    EXPECT_TRUE(service_->running());
    EXPECT_FALSE(status_row(kPassword).empty()) << "still answering on the old configuration";
    EXPECT_TRUE(status_row("gtol/user-password").empty());

    write_file(site, good +
                         "\n[[credential]]\nid = \"gtol/user-password\"\nsystem = \"gtol\"\n"
                         "kind = \"user-password\"\n");
    service_->signal(SIGHUP);
    EXPECT_TRUE(wait_until([&] { return !status_row("gtol/user-password").empty(); }))
        << "the fixed configuration was not applied:\n"
        << service_->err();
    EXPECT_TRUE(service_->running());
    auto code = stop_service();
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0);
}

// Once the socket accepts, the service is "ready" for systemd and scripts: a SIGHUP (reload)
// or SIGTERM from then on must be handled, not kill it with the default action. The window
// between listen() and the installation of the signal handlers is short, so this retries.
TEST_F(ServiceProcessTest, ASighupAsSoonAsTheSocketAcceptsDoesNotKillTheService) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt));
        const fs::path attempt_data = dir_ / ("race" + std::to_string(attempt));
        const std::string sock = (attempt_data / "credwatch.sock").string();
        Child service({CREDWATCH_SERVICE_EXE, "--data-dir", attempt_data.string(), "--quiet"},
                      dir_ / ("race" + std::to_string(attempt) + ".out"),
                      dir_ / ("race" + std::to_string(attempt) + ".err"));
        // Tight polling here on purpose: signal the moment the socket accepts.
        const auto end = Clock::now() + kDeadline;
        bool ready = false;
        while (!ready && Clock::now() < end && service.running())
            ready = RawClient(sock).connected();
        ASSERT_TRUE(ready) << service.err();
        service.signal(SIGHUP);

        RawClient client(sock);
        bool answered = client.connected() &&
                        client.send("{\"v\":1,\"id\":1,\"method\":\"hello\"}\n") &&
                        client.read_line().has_value();
        // Without an answer, give a dying process a moment to be reaped for its exit code.
        auto died = answered ? (service.running() ? std::nullopt : service.wait_for(0ms))
                             : service.wait_for(2s);
        ASSERT_TRUE(answered && !died.has_value())
            << "PRODUCT BUG: a SIGHUP right after the socket started accepting killed the "
               "service (exit code "
            << (died ? std::to_string(*died) : std::string("none: no answer"))
            << "): service/posix/service_entry.cpp installs its signal_sets only after "
               "ServiceCore::start() has begun listening";
        service.signal(SIGTERM);
        auto code = service.wait_for(kDeadline);
        ASSERT_TRUE(code.has_value());
        EXPECT_EQ(*code, 0);
    }
}

TEST_F(ServiceProcessTest, TheSocketIsReadableAndWritableByOwnerAndGroupOnly) {
    ASSERT_NO_FATAL_FAILURE(start_service());
    struct stat st {};
    ASSERT_EQ(::stat(socket_path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);
}

// --- scan (no service) ---------------------------------------------------------------------

TEST_F(ServiceProcessTest, ScanJsonDescribesEveryCertificateAndEveryUnreadableFile) {
    using namespace credwatch::test;
    const fs::path folder = dir_ / "certs";
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());

    CertSpec ca_spec;
    ca_spec.common_name = "Integration Root CA";
    ca_spec.serial_hex = "0a1b";
    ca_spec.is_ca = true;
    ca_spec.not_before = now - 24h;
    ca_spec.not_after = now + 3650 * 24h;
    TestCert ca = make_self_signed(ca_spec);

    CertSpec der_spec;
    der_spec.common_name = "DER leaf";
    der_spec.serial_hex = "2c3d";
    der_spec.not_before = now - 24h;
    der_spec.not_after = now + 100 * 24h;
    TestCert der_leaf = make_issued(der_spec, ca);

    CertSpec p12_spec;
    p12_spec.common_name = "client 1423";
    p12_spec.serial_hex = "4e5f";
    p12_spec.not_before = now - 24h;
    p12_spec.not_after = now + 20 * 24h;
    TestCert p12_leaf = make_issued(p12_spec, ca);

    write_file(folder / "root.pem", ca.pem());
    write_file(folder / "leaf.der", der_leaf.der());
    P12Options p12;
    p12.password = "secret";
    write_file(folder / "client1423.p12", make_pkcs12(p12_leaf, p12));
    write_file(folder / "client1423.pass", "secret\r\n");
    write_file(folder / "garbage.crt", "this is not a certificate\n");

    CliRun r = cli({"scan", folder.string(), "--json"});
    ASSERT_EQ(r.code, 0) << r;
    auto parsed = parse(r.out);
    ASSERT_TRUE(parsed && parsed->is_array()) << r;
    EXPECT_FALSE(contains(r.out + r.err, "secret")) << "a password never appears";

    struct Expected {
        std::string file;
        const TestCert* cert;
        std::string cn, serial;
        bool is_ca;
        std::chrono::system_clock::time_point not_before, not_after;
    };
    const std::vector<Expected> expected{
        {"root.pem", &ca, "Integration Root CA", "0a1b", true, ca_spec.not_before,
         ca_spec.not_after},
        {"leaf.der", &der_leaf, "DER leaf", "2c3d", false, der_spec.not_before, der_spec.not_after},
        {"client1423.p12", &p12_leaf, "client 1423", "4e5f", false, p12_spec.not_before,
         p12_spec.not_after},
    };
    std::vector<int> seen(expected.size(), 0);
    int failures = 0;
    for (const auto& v : parsed->as_array()) {
        ASSERT_TRUE(v.is_object());
        const auto& o = v.as_object();
        const std::string path = str(o.contains("path") ? o.at("path") : json::value());
        EXPECT_FALSE(path.empty()) << json::serialize(o);
        if (o.contains("error")) {
            ++failures;
            EXPECT_EQ(fs::path(path).filename(), "garbage.crt") << json::serialize(o);
            EXPECT_FALSE(str(o.at("error")).empty());
            continue;
        }
        auto it = std::find_if(expected.begin(), expected.end(), [&](const Expected& e) {
            return fs::path(path).filename() == e.file;
        });
        ASSERT_NE(it, expected.end()) << "unexpected record " << json::serialize(o);
        ++seen[static_cast<std::size_t>(it - expected.begin())];
        SCOPED_TRACE(it->file);
        for (const char* key : {"path", "subject", "issuer", "serial", "not_before", "not_after",
                                "sha1", "sha256", "is_ca"})
            EXPECT_TRUE(o.contains(key)) << key << " missing: " << json::serialize(o);
        EXPECT_TRUE(contains(str(o.at("subject")), it->cn)) << json::serialize(o);
        EXPECT_TRUE(contains(str(o.at("issuer")), "Integration Root CA")) << json::serialize(o);
        std::string serial = lower(str(o.at("serial")));
        serial.erase(std::remove(serial.begin(), serial.end(), ':'), serial.end());
        EXPECT_TRUE(contains(serial, it->serial)) << json::serialize(o);
        EXPECT_EQ(str(o.at("not_before")), iso_utc(it->not_before));
        EXPECT_EQ(str(o.at("not_after")), iso_utc(it->not_after));
        EXPECT_EQ(str(o.at("sha1")), sha1_hex(it->cert->der()));
        EXPECT_EQ(str(o.at("sha256")), sha256_hex(it->cert->der()));
        EXPECT_EQ(str(o.at("sha1")).size(), 40u);
        EXPECT_EQ(str(o.at("sha256")).size(), 64u);
        EXPECT_EQ(lower(str(o.at("sha256"))), str(o.at("sha256"))) << "lowercase hex";
        ASSERT_TRUE(o.at("is_ca").is_bool());
        EXPECT_EQ(o.at("is_ca").as_bool(), it->is_ca);
    }
    EXPECT_EQ(seen, (std::vector<int>{1, 1, 1})) << "one record per certificate:\n" << r.out;
    EXPECT_EQ(failures, 1) << r.out;
}

}  // namespace
