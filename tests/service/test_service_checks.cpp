// The service's runs of the machine-level checks (docs/doctor.md "In the service"): ServiceCore
// in-process with a ManualClock (moved, never slept on), a real SQLite file, and a TCP check
// tuned to a listener this test opens and closes on 127.0.0.1. Every other network check of
// the catalog is turned off in the site file: nothing leaves loopback.

#include "service_core.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/notify/event_ids.hpp"
#include "credwatch/notify/system_log.hpp"
#include "credwatch/platform/files.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace credwatch;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;
namespace asio = boost::asio;
using asio::ip::tcp;
using credwatch::test::TempDir;
using credwatch::test::write_file;

namespace {

const Peer kStaff{"staff", false, {}};

class RecordingSystemLog final : public SystemLog {
  public:
    void reminder(const Reminder&, std::string_view) override {}
    void failure(int event_id, std::string_view text) override {
        entries.emplace_back(event_id, std::string(text));
    }
    int count(int event_id) const {
        int n = 0;
        for (const auto& e : entries) n += e.first == event_id ? 1 : 0;
        return n;
    }
    std::vector<std::pair<int, std::string>> entries;
};

// A TCP listener on 127.0.0.1 that can be closed and opened again on the same port.
class Listener {
  public:
    Listener() { open(0); }
    void open(unsigned short port) {
        acceptor_.emplace(io_);
        acceptor_->open(tcp::v4());
        acceptor_->set_option(tcp::acceptor::reuse_address(true));
        acceptor_->bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        acceptor_->listen();
        port_ = acceptor_->local_endpoint().port();
    }
    void reopen() { open(port_); }
    void close() { acceptor_.reset(); }
    unsigned short port() const { return port_; }

  private:
    asio::io_context io_;
    std::optional<tcp::acceptor> acceptor_;
    unsigned short port_ = 0;
};

// The site file: cancer-registry only; its TCP check on the listener, the other network checks
// off (the UDP ones never send; the Windows ones are not applicable here).
std::string site_toml(unsigned short port, const fs::path& metrics, const std::string& extra,
                      const std::string& service_extra, const std::string& tail) {
    return fmt::format(R"toml([service]
systems = ["cancer-registry"]
{}

[email]
enabled = true
smtp_host = "127.0.0.1"
smtp_port = 9
tls = "none"
from = "credwatch <credwatch@clinic.example.jp>"
to = ["it@clinic.example.jp"]
language = "en"

[metrics]
textfile = '{}'

[checks]
{}

[checks."cancer-registry".tcp-mio-443]
host = "127.0.0.1"
port = {}
timeout_ms = 1000

[checks."cancer-registry".tcp-sec-443]
enabled = false
[checks."cancer-registry".resolve-mio]
enabled = false
[checks."cancer-registry".resolve-sec]
enabled = false
{}
)toml",
                       service_extra, metrics.string(), extra, port, tail);
}

// What the checks see of the environment: the tests' own, never the machine's (no proxy
// variables, and CREDWATCH_SERVICE_CHECKS as the test says).
checks::Environment environment(std::optional<std::string> service_checks) {
    return [service_checks](std::string_view name) -> std::optional<std::string> {
        if (name == kServiceChecksVariable) return service_checks;
        return std::nullopt;
    };
}

class Core {
  public:
    Core(const fs::path& data, const fs::path& site, const Clock& clock,
         std::shared_ptr<RecordingSystemLog> log, std::optional<std::string> service_checks)
        : core_(io_, options(data, site, std::move(log), std::move(service_checks)), clock) {}

    ServiceCore& svc() { return core_; }
    CheckRuns& runs() { return *core_.check_runs(); }

    // Runs the io_context until the run in progress ended (its checks are on the worker).
    void settle() {
        for (int i = 0; i < 200 && runs().running(); ++i) {
            io_.restart();
            io_.run_one_for(50ms);
        }
        ASSERT_FALSE(runs().running()) << "the checks did not finish";
    }

    json::object call(std::string_view method, const Peer& peer = Peer{"root", true, {}}) {
        return call(method, {}, peer);
    }
    json::object call(std::string_view method, json::object params, const Peer& peer) {
        json::object whole = exchange(method, std::move(params), peer);
        const auto* result = whole.if_contains("result");
        if (!result || !result->is_object()) {
            ADD_FAILURE() << method << " failed: " << json::serialize(whole);
            return {};
        }
        return result->as_object();
    }
    // The whole reply: "result" or "error".
    json::object exchange(std::string_view method, json::object params, const Peer& peer) {
        json::object req{{"v", 1}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
        HandlerReply reply = core_.handle_line(json::serialize(req), peer);
        if (reply.deferred) {
            std::optional<HandlerReply> later;
            reply.deferred([&later](HandlerReply r) { later = std::move(r); });
            for (int i = 0; i < 200 && !later; ++i) {
                io_.restart();
                io_.run_one_for(50ms);
            }
            if (!later) {
                ADD_FAILURE() << method << ": no reply";
                return {};
            }
            reply = std::move(*later);
        }
        return json::parse(reply.line).as_object();
    }

  private:
    static ServiceOptions options(const fs::path& data, const fs::path& site,
                                  std::shared_ptr<RecordingSystemLog> log,
                                  std::optional<std::string> service_checks) {
        ServiceOptions o;
        o.data_dir = data;
        o.site_file = site;
        o.system_log = std::move(log);
        o.environment = environment(std::move(service_checks));
        return o;
    }

    asio::io_context io_;
    ServiceCore core_;
};

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : "";
}

// The check of the reply by id ({} when absent); a session check's by id and user.
json::object check_of(const json::object& reply, std::string_view id, std::string_view user = "") {
    for (const auto& c : reply.at("checks").as_array()) {
        const auto* u = c.as_object().if_contains("user");
        if (str(c.at("id")) == id && (u ? str(*u) : "") == user) return c.as_object();
    }
    return {};
}

class ServiceChecksTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { spdlog::set_level(spdlog::level::err); }

    void write_site(const std::string& extra = "", const std::string& service_extra = "",
                    const std::string& tail = "") {
        write_file(site_, site_toml(listener_.port(), metrics_, extra, service_extra, tail));
    }
    std::unique_ptr<Core> make(std::optional<std::string> service_checks = std::nullopt) {
        return std::make_unique<Core>(dir_.path() / "data", site_, clock_, log_,
                                      std::move(service_checks));
    }
    // The check mails in the outbox.
    std::size_t mails() {
        auto outbox = core_->svc().store().outbox();
        EXPECT_TRUE(outbox);
        std::size_t n = 0;
        if (outbox)
            for (const auto& m : *outbox)
                if (m.subject.find("a prerequisite fails") != std::string::npos) ++n;
        return n;
    }
    // The value of the metrics line that starts with `prefix` and has `part` ("" when none).
    std::string metric_line(std::string_view prefix, std::string_view part = "") {
        auto text = platform::read_file(metrics_, 1 << 20);
        if (!text) return "";
        std::size_t at = 0;
        while (at < text->size()) {
            std::size_t end = text->find('\n', at);
            if (end == std::string::npos) end = text->size();
            std::string_view line(text->data() + at, end - at);
            if (line.starts_with(prefix) && line.find(part) != std::string_view::npos)
                return std::string(line.substr(line.rfind(' ') + 1));
            at = end + 1;
        }
        return "";
    }

    TempDir dir_{"cw-svc-checks"};
    fs::path site_ = dir_.path() / "site.toml";
    fs::path metrics_ = dir_.path() / "credwatch.prom";
    ManualClock clock_{local_midnight(std::chrono::year{2026} / 12 / 2) + 9h};
    std::shared_ptr<RecordingSystemLog> log_ = std::make_shared<RecordingSystemLog>();
    Listener listener_;
    std::unique_ptr<Core> core_;
};

TEST_F(ServiceChecksTest, FirstRunAfterTheConfiguredMinutesThenDaily) {
    write_site("first_run_after_minutes = 5\nevery_hours = 24");
    core_ = make();
    ASSERT_TRUE(core_->svc().start());
    auto& runs = core_->runs();
    EXPECT_TRUE(runs.enabled());
    EXPECT_EQ(str(core_->call("checks").at("next_run")), format_utc(clock_.now() + 5min));

    clock_.advance(4min);
    runs.run_if_due();
    EXPECT_FALSE(runs.running()) << "not due before first_run_after_minutes";
    clock_.advance(1min);
    runs.run_if_due();
    EXPECT_TRUE(runs.running());
    core_->settle();
    EXPECT_EQ(runs.runs_finished(), 1);
    const TimePoint first = clock_.now();

    json::object reply = core_->call("checks");
    json::object tcp = check_of(reply, "tcp-mio-443");
    EXPECT_EQ(str(tcp["state"]), "ok") << json::serialize(reply);
    EXPECT_EQ(str(tcp["checked_at"]), format_utc(first));
    EXPECT_TRUE(tcp["failing_since"].is_null());
    EXPECT_EQ(str(check_of(reply, "resolve-mio")["state"]), "not_applicable");
    EXPECT_TRUE(check_of(reply, "credential-login-key").empty())
        << "only the site's systems, and no user-session kinds";
    EXPECT_EQ(str(reply["last_run"]), format_utc(first));
    EXPECT_EQ(str(reply["next_run"]), format_utc(first + 24h));

    clock_.advance(23h);
    runs.run_if_due();
    EXPECT_FALSE(runs.running()) << "the daily run is not due yet";
    clock_.advance(1h);
    runs.run_if_due();
    core_->settle();
    EXPECT_EQ(runs.runs_finished(), 2);
}

TEST_F(ServiceChecksTest, AFailingCheckRaisesOneReminderPerEpisodeAndRecovers) {
    write_site("first_run_after_minutes = 0");
    core_ = make();
    ASSERT_TRUE(core_->svc().start());
    auto& runs = core_->runs();
    listener_.close();
    const TimePoint failed_at = clock_.now();
    runs.run_if_due();
    core_->settle();
    json::object tcp = check_of(core_->call("checks"), "tcp-mio-443");
    EXPECT_EQ(str(tcp["state"]), "failed") << json::serialize(tcp);
    EXPECT_EQ(str(tcp["failing_since"]), format_utc(failed_at));
    EXPECT_EQ(log_->count(events::kCheckFailing), 1);
    EXPECT_EQ(mails(), 1U);
    EXPECT_EQ(metric_line("credwatch_check_ok{system=\"cancer-registry\",check=\"tcp-mio-443\""),
              "0");
    EXPECT_EQ(metric_line("credwatch_check_state{system=\"cancer-registry\",check=\"tcp-mio-443\"",
                          "state=\"failed\"}"),
              "1");
    EXPECT_EQ(metric_line("credwatch_check_ok{system=\"cancer-registry\",check=\"resolve-mio\""),
              "1")
        << "not applicable is not failed";

    // Still failing the next day: the same episode, no second reminder.
    clock_.advance(24h);
    runs.run_if_due();
    core_->settle();
    EXPECT_EQ(str(check_of(core_->call("checks"), "tcp-mio-443")["failing_since"]),
              format_utc(failed_at));
    EXPECT_EQ(log_->count(events::kCheckFailing), 1);
    EXPECT_EQ(mails(), 1U);

    // It holds again: the episode ends (a system log note, no mail).
    listener_.reopen();
    clock_.advance(24h);
    runs.run_if_due();
    core_->settle();
    tcp = check_of(core_->call("checks"), "tcp-mio-443");
    EXPECT_EQ(str(tcp["state"]), "ok");
    EXPECT_TRUE(tcp["failing_since"].is_null());
    EXPECT_EQ(log_->count(events::kCheckRecovered), 1);
    EXPECT_EQ(mails(), 1U);
    EXPECT_EQ(metric_line("credwatch_check_ok{system=\"cancer-registry\",check=\"tcp-mio-443\""),
              "1");

    // Failing again an hour later: a new episode, reminded (the last reminder is two days old).
    listener_.close();
    clock_.advance(1h);
    core_->call("run_checks");
    EXPECT_EQ(str(check_of(core_->call("checks"), "tcp-mio-443")["failing_since"]),
              format_utc(clock_.now()));
    EXPECT_EQ(log_->count(events::kCheckFailing), 2);
    EXPECT_EQ(mails(), 2U);

    // Flapping: holds, fails again within a day of that reminder: no reminder per flap.
    listener_.reopen();
    clock_.advance(1h);
    core_->call("run_checks");
    listener_.close();
    clock_.advance(1h);
    core_->call("run_checks");
    EXPECT_EQ(str(check_of(core_->call("checks"), "tcp-mio-443")["state"]), "failed");
    EXPECT_EQ(log_->count(events::kCheckFailing), 2) << "no reminder per flap";
    EXPECT_EQ(mails(), 2U);

    // A failure more than a day after the last reminder is reminded again.
    listener_.reopen();
    clock_.advance(1h);
    core_->call("run_checks");
    listener_.close();
    clock_.advance(22h);
    core_->call("run_checks");
    EXPECT_EQ(log_->count(events::kCheckFailing), 3);
    EXPECT_EQ(mails(), 3U);
}

TEST_F(ServiceChecksTest, ResultsAndTheEpisodeSurviveARestart) {
    write_site("first_run_after_minutes = 0");
    listener_.close();
    const TimePoint failed_at = clock_.now();
    {
        core_ = make();
        ASSERT_TRUE(core_->svc().start());
        core_->runs().run_if_due();
        core_->settle();
        core_.reset();
    }
    EXPECT_EQ(log_->count(events::kCheckFailing), 1);
    clock_.advance(2h);
    core_ = make();
    ASSERT_TRUE(core_->svc().start());
    json::object reply = core_->call("checks");
    json::object tcp = check_of(reply, "tcp-mio-443");
    EXPECT_EQ(str(tcp["state"]), "failed") << json::serialize(reply);
    EXPECT_EQ(str(tcp["checked_at"]), format_utc(failed_at));
    EXPECT_EQ(str(tcp["failing_since"]), format_utc(failed_at));
    EXPECT_EQ(str(reply["last_run"]), format_utc(failed_at));
    core_->runs().run_if_due();
    core_->settle();
    EXPECT_EQ(str(check_of(core_->call("checks"), "tcp-mio-443")["failing_since"]),
              format_utc(failed_at));
    EXPECT_EQ(log_->count(events::kCheckFailing), 1) << "the episode goes on after a restart";
}

TEST_F(ServiceChecksTest, RunChecksIsThrottledToOnePer30SecondsAndOpenToStaff) {
    write_site();
    core_ = make();
    ASSERT_TRUE(core_->svc().start());
    json::object first = core_->call("run_checks", kStaff);
    EXPECT_FALSE(first["throttled"].as_bool());
    EXPECT_FALSE(first["running"].as_bool());
    EXPECT_EQ(str(check_of(first, "tcp-mio-443")["state"]), "ok") << json::serialize(first);
    EXPECT_EQ(core_->runs().runs_finished(), 1);
    clock_.advance(29s);
    json::object second = core_->call("run_checks", kStaff);
    EXPECT_TRUE(second["throttled"].as_bool());
    EXPECT_EQ(core_->runs().runs_finished(), 1);
    clock_.advance(1s);
    EXPECT_FALSE(core_->call("run_checks", kStaff)["throttled"].as_bool());
    EXPECT_EQ(core_->runs().runs_finished(), 2);
}

TEST_F(ServiceChecksTest, OffInTheSiteFileOrTheEnvironmentRunsNothing) {
    for (bool by_environment : {false, true}) {
        SCOPED_TRACE(by_environment ? "CREDWATCH_SERVICE_CHECKS=off" : "in_service = false");
        write_site(by_environment ? "first_run_after_minutes = 0"
                                  : "in_service = false\nfirst_run_after_minutes = 0");
        core_ = make(by_environment ? std::optional<std::string>("off") : std::nullopt);
        ASSERT_TRUE(core_->svc().start());
        EXPECT_FALSE(core_->runs().enabled());
        core_->runs().run_if_due();
        EXPECT_FALSE(core_->runs().running());
        json::object reply = core_->call("run_checks");
        EXPECT_FALSE(reply["in_service"].as_bool());
        EXPECT_TRUE(reply["next_run"].is_null());
        EXPECT_EQ(core_->runs().runs_finished(), 0);
        core_.reset();
    }
}

// The mail goes out in the mail's language, the system's name too, whatever the service's own.
TEST_F(ServiceChecksTest, TheFailingCheckMailNamesTheSystemInTheMailsLanguage) {
    write_site("first_run_after_minutes = 0", "language = \"ja\"");
    core_ = make();
    ASSERT_TRUE(core_->svc().start());
    listener_.close();
    core_->runs().run_if_due();
    core_->settle();
    auto outbox = core_->svc().store().outbox();
    ASSERT_TRUE(outbox);
    ASSERT_EQ(mails(), 1U);
    for (const auto& m : *outbox) {
        if (m.subject.find("a prerequisite fails") == std::string::npos) continue;
        EXPECT_NE(m.subject.find("Cancer registry online system"), std::string::npos) << m.subject;
        EXPECT_EQ(m.subject.find("がん登録"), std::string::npos) << m.subject;
        EXPECT_NE(m.body.find("A prerequisite of Cancer registry online system"), std::string::npos)
            << m.body;
    }
}

// --- the checks of a user's session, reported by it (report_checks) ---

// Two session checks on the site: one meant for OqsComApp's session, one for any user's.
const char* kSessionChecks = R"toml(
[[check]]
system = "cancer-registry"
id = "credential-test"
kind = "credential_present"
target = "CW_TEST_KEY"
session_user = "OqsComApp"
title_ja = "テストの資格情報"
title_en = "The test credential"
fix_ja = "追加してください"
fix_en = "Add it"
manual = "test"
[[check]]
system = "cancer-registry"
id = "user-certificate"
kind = "certificate_present"
store = 'CurrentUser\My'
severity = "recommended"
title_ja = "利用者の証明書"
title_en = "The user's certificate"
fix_ja = "-"
fix_en = "-"
manual = "test"
[[check]]
system = "cancer-registry"
id = "disabled-check"
kind = "credential_present"
enabled = false
target = "CW_OFF"
title_ja = "無効"
title_en = "Off"
fix_ja = "-"
fix_en = "-"
manual = "test"
)toml";

const Peer kOqs{"OqsComApp", false, {}};
const Peer kTanaka{"tanaka", false, {}};
const Peer kAdmin{"root", true, {}};

json::object result(std::string_view id, std::string_view state, std::string_view evidence) {
    return json::object{{"system", "cancer-registry"},
                        {"id", id},
                        {"state", state},
                        {"evidence_ja", std::string(evidence) + "（ja）"},
                        {"evidence_en", evidence}};
}

json::object results(std::initializer_list<json::object> items) {
    json::array list;
    for (const auto& i : items) list.push_back(i);
    return json::object{{"results", std::move(list)}};
}

std::string error_of(const json::object& whole) {
    const auto* e = whole.if_contains("error");
    return e ? json::serialize(*e) : std::string("(no error) ") + json::serialize(whole);
}

TEST_F(ServiceChecksTest, TheSessionChecksAreNamedAndKeptPerUserTheStaffSeeingTheirOwn) {
    write_site("", "", kSessionChecks);
    core_ = make("off");  // the session's reports do not need the service's own runs
    ASSERT_TRUE(core_->svc().start());
    json::object listed = core_->call("checks", kTanaka);
    const auto& session = listed.at("session_checks").as_array();
    ASSERT_EQ(session.size(), 2u) << json::serialize(listed);
    EXPECT_EQ(str(session[0].at("id")), "credential-test");
    EXPECT_EQ(str(session[0].at("params").at("session_user")), "OqsComApp");
    EXPECT_EQ(str(session[0].at("params").at("target")), "CW_TEST_KEY");
    EXPECT_TRUE(check_of(listed, "credential-test").empty()) << "nothing reported yet";

    // OqsComApp's session finds its credential missing: failing, reminded once.
    json::object kept =
        core_->call("report_checks",
                    results({result("credential-test", "failed", "CW_TEST_KEY is missing"),
                             result("user-certificate", "ok", "one certificate")}),
                    kOqs);
    EXPECT_EQ(kept["kept"].as_int64(), 2);
    EXPECT_FALSE(kept["throttled"].as_bool());
    EXPECT_EQ(str(kept["user"]), "OqsComApp");
    // Reporting in a loop keeps nothing more: within 5 s the kept results are the answer.
    json::object again =
        core_->call("report_checks", results({result("credential-test", "ok", "found")}), kOqs);
    EXPECT_TRUE(again["throttled"].as_bool());
    EXPECT_EQ(again["kept"].as_int64(), 0);
    EXPECT_EQ(str(check_of(again, "credential-test", "OqsComApp")["state"]), "failed");
    EXPECT_EQ(core_->call("report_checks", json::object{{"results", json::array{}}}, kOqs)["kept"]
                  .as_int64(),
              0);
    json::object mine = check_of(kept, "credential-test", "OqsComApp");
    EXPECT_EQ(str(mine["state"]), "failed") << json::serialize(kept);
    EXPECT_EQ(str(mine["checked_at"]), format_utc(clock_.now())) << "the service's time";
    EXPECT_EQ(str(mine["failing_since"]), format_utc(clock_.now()));
    EXPECT_EQ(log_->count(events::kCheckFailing), 1);
    EXPECT_EQ(mails(), 1U);
    auto outbox = core_->svc().store().outbox();
    ASSERT_TRUE(outbox);
    EXPECT_NE(outbox->back().body.find("Checked in the session of: OqsComApp"), std::string::npos)
        << outbox->back().body;
    // What the session sent stays out of the mail and the system log: others read those.
    EXPECT_EQ(outbox->back().body.find("CW_TEST_KEY is missing"), std::string::npos)
        << outbox->back().body;
    for (const auto& [id, text] : log_->entries)
        EXPECT_EQ(text.find("CW_TEST_KEY is missing"), std::string::npos) << text;
    EXPECT_NE(log_->entries.back().second.find("OqsComApp's session"), std::string::npos)
        << log_->entries.back().second;
    EXPECT_EQ(metric_line("credwatch_check_ok{system=\"cancer-registry\",check=\"credential-test\","
                          "user=\"OqsComApp\""),
              "0");

    // tanaka's session reports its own certificate: tanaka sees that, not OqsComApp's results.
    EXPECT_EQ(core_
                  ->call("report_checks", results({result("user-certificate", "warning", "none")}),
                         kTanaka)["kept"]
                  .as_int64(),
              1);
    json::object as_tanaka = core_->call("checks", kTanaka);
    EXPECT_EQ(str(check_of(as_tanaka, "user-certificate", "tanaka")["state"]), "warning");
    EXPECT_TRUE(check_of(as_tanaka, "credential-test", "OqsComApp").empty())
        << "staff see their own session's results only";
    json::object as_admin = core_->call("checks", kAdmin);
    EXPECT_EQ(str(check_of(as_admin, "credential-test", "OqsComApp")["state"]), "failed");
    EXPECT_EQ(str(check_of(as_admin, "user-certificate", "OqsComApp")["state"]), "ok");
    EXPECT_EQ(str(check_of(as_admin, "user-certificate", "tanaka")["state"]), "warning");

    // Still failing an hour later: the same episode, no second reminder; then it holds again.
    clock_.advance(1h);
    (void)core_->call("report_checks", results({result("credential-test", "failed", "missing")}),
                      kOqs);
    EXPECT_EQ(mails(), 1U);
    clock_.advance(1h);
    (void)core_->call("report_checks", results({result("credential-test", "ok", "found")}), kOqs);
    EXPECT_EQ(log_->count(events::kCheckRecovered), 1);
    EXPECT_TRUE(
        check_of(core_->call("checks", kOqs), "credential-test", "OqsComApp")["failing_since"]
            .is_null());
    EXPECT_EQ(metric_line("credwatch_check_ok{system=\"cancer-registry\",check=\"credential-test\","
                          "user=\"OqsComApp\""),
              "1");

    // Flapping: failing again within a day of the reminder is a silent episode, and so is its end.
    const int recovered = log_->count(events::kCheckRecovered);
    clock_.advance(1h);
    (void)core_->call("report_checks", results({result("credential-test", "failed", "missing")}),
                      kOqs);
    clock_.advance(1h);
    (void)core_->call("report_checks", results({result("credential-test", "ok", "found")}), kOqs);
    EXPECT_EQ(log_->count(events::kCheckFailing), 1);
    EXPECT_EQ(log_->count(events::kCheckRecovered), recovered) << "no end of an unannounced one";
}

TEST_F(ServiceChecksTest, AReportIsRefusedWholeForAMachineCheckAnotherSessionOrBadInput) {
    write_site("", "", kSessionChecks);
    core_ = make("off");
    ASSERT_TRUE(core_->svc().start());
    const auto refused = [&](json::object params, const Peer& peer, std::string_view code,
                             std::string_view names) {
        const json::object whole = core_->exchange("report_checks", std::move(params), peer);
        const std::string error = error_of(whole);
        EXPECT_NE(error.find(code), std::string::npos) << error;
        EXPECT_NE(error.find(names), std::string::npos) << error;
    };
    // Meant for OqsComApp's session: tanaka's report of it is refused, with the good result in
    // the same report.
    refused(results({result("user-certificate", "ok", "one"),
                     result("credential-test", "ok", "found")}),
            kTanaka, "permission_denied", "results[1]");
    // The service runs the machine's checks itself: a client cannot report one.
    refused(results({result("tcp-mio-443", "ok", "open")}), kOqs, "invalid_argument",
            "not a check of a user's session");
    refused(results({result("no-such-check", "ok", "-")}), kOqs, "invalid_argument", "results[0]");
    refused(
        results({result("user-certificate", "failed", "-"), result("user-certificate", "ok", "-")}),
        kOqs, "invalid_argument", "the same check as results[0]");
    refused(results({result("disabled-check", "failed", "-")}), kOqs, "invalid_argument",
            "results[0]");
    refused(results({result("user-certificate", "ok", "-")}), Peer{"?", false, {}},
            "permission_denied", "unknown");
    refused(results({result("user-certificate", "splendid", "-")}), kOqs, "invalid_argument",
            "splendid");
    refused(json::object{{"results", "all good"}}, kOqs, "invalid_argument", "results");
    json::object long_evidence = result("user-certificate", "ok", std::string(5000, 'x'));
    refused(results({long_evidence}), kOqs, "invalid_argument", "longer than");
    refused(results({result("user-certificate", "ok", "\x1b[31mall good\x1b[0m")}), kOqs,
            "invalid_argument", "control characters");
    json::array many;
    for (int i = 0; i < 65; ++i) many.push_back(result("user-certificate", "ok", "one"));
    refused(json::object{{"results", many}}, kOqs, "invalid_argument", "at most 64");
    // Nothing was kept of any of them.
    json::object as_admin = core_->call("checks", kAdmin);
    EXPECT_TRUE(check_of(as_admin, "user-certificate", "tanaka").empty())
        << json::serialize(as_admin);
    EXPECT_TRUE(check_of(as_admin, "user-certificate", "OqsComApp").empty());
    EXPECT_EQ(str(check_of(as_admin, "tcp-mio-443")["state"]), "") << "no run, no result";
    // The user is the caller's OS identity, whatever the message says.
    json::object claimed = results({result("user-certificate", "ok", "one")});
    claimed["user"] = "OqsComApp";
    EXPECT_EQ(str(core_->call("report_checks", claimed, kTanaka)["user"]), "tanaka");
}

TEST_F(ServiceChecksTest, ASessionsFailingEpisodeSurvivesARestart) {
    write_site("", "", kSessionChecks);
    const TimePoint failed_at = clock_.now();
    {
        core_ = make("off");
        ASSERT_TRUE(core_->svc().start());
        (void)core_->call("report_checks",
                          results({result("credential-test", "failed", "missing")}), kOqs);
        core_.reset();
    }
    EXPECT_EQ(log_->count(events::kCheckFailing), 1);
    clock_.advance(3h);
    core_ = make("off");
    ASSERT_TRUE(core_->svc().start());
    json::object mine = check_of(core_->call("checks", kOqs), "credential-test", "OqsComApp");
    EXPECT_EQ(str(mine["failing_since"]), format_utc(failed_at)) << json::serialize(mine);
    (void)core_->call("report_checks", results({result("credential-test", "failed", "missing")}),
                      kOqs);
    EXPECT_EQ(log_->count(events::kCheckFailing), 1) << "the episode goes on after a restart";
    EXPECT_EQ(mails(), 1U);
}

// A reload that names a session_user leaves the other users' results behind; a disabled session
// check is not handed out.
TEST_F(ServiceChecksTest, AReloadThatNamesASessionUserDropsTheOtherUsersResults) {
    write_site("", "", kSessionChecks);
    core_ = make("off");
    ASSERT_TRUE(core_->svc().start());
    const json::object listed = core_->call("checks", kTanaka);
    for (const auto& d : listed.at("session_checks").as_array())
        EXPECT_NE(str(d.at("id")), "disabled-check");
    ASSERT_EQ(core_
                  ->call("report_checks", results({result("user-certificate", "failed", "none")}),
                         kTanaka)["kept"]
                  .as_int64(),
              1);
    EXPECT_EQ(str(check_of(core_->call("checks", kAdmin), "user-certificate", "tanaka")["state"]),
              "failed");
    EXPECT_EQ(
        metric_line("credwatch_check_ok{system=\"cancer-registry\",check=\"user-certificate\"",
                    "user=\"tanaka\""),
        "0");
    write_site("", "",
               std::string(kSessionChecks) +
                   "[checks.\"cancer-registry\".user-certificate]\nsession_user = \"OqsComApp\"\n");
    (void)core_->call("reload", {}, kAdmin);
    EXPECT_TRUE(check_of(core_->call("checks", kAdmin), "user-certificate", "tanaka").empty())
        << "tanaka's row of a check now meant for OqsComApp";
    EXPECT_EQ(
        metric_line("credwatch_check_ok{system=\"cancer-registry\",check=\"user-certificate\"",
                    "user=\"tanaka\""),
        "")
        << "nor its gauge, which would keep the alert on";
}

}  // namespace
