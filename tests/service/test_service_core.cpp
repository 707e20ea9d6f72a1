// ServiceCore in-process: a ManualClock (tests move it, never sleep), a real SQLite file in a
// temporary data directory, requests through handle_line() as the IPC server would pass them.
// The io_context runs only while a test waits for a folder scan on the worker thread (a
// deferred rescan reply, settle() after on_time_change or reload); evaluations are triggered
// by start(), requests, evaluate_now() and on_time_change(), and every raised reminder is
// captured through a reminder listener.

#include "service_core.hpp"

#include "api.hpp"
#include "clock_watchdog.hpp"

#include "cert_factory.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/ipc_client.hpp"
#include "credwatch/notify/event_ids.hpp"
#include "credwatch/notify/mail.hpp"
#include "credwatch/notify/metrics.hpp"
#include "credwatch/notify/system_log.hpp"
#include "credwatch/platform/platform.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace credwatch;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;
using credwatch::test::TempDir;
using credwatch::test::write_file;

namespace {

const Peer kAdmin{"tester", true, {}};

const char* const kPassword = "cancer-registry/user-password";
const char* const kIssuance = "cancer-registry/certificate-issuance";
const char* const kClientCert = "orca-cloud/client-certificate";

// Local noon of a calendar date: the same local date whatever TZ the test runs in.
TimePoint noon(Date d) {
    return local_midnight(d) + 12h;
}

const Date kToday = std::chrono::year{2026} / std::chrono::March / 10;

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : "";
}

// What the service writes to the system log, instead of the machine's syslog / event log.
class RecordingSystemLog final : public SystemLog {
  public:
    struct Entry {
        int id;
        std::string text;
    };
    void reminder(const Reminder&, std::string_view) override {}
    void failure(int event_id, std::string_view text) override {
        entries.push_back({event_id, std::string(text)});
    }
    // certificate_unreadable() is not overridden: the default writes one failure() line.

    // The texts of the entries with one event ID.
    std::vector<std::string> texts(int event_id) const {
        std::vector<std::string> out;
        for (const auto& e : entries)
            if (e.id == event_id) out.push_back(e.text);
        return out;
    }

    std::vector<Entry> entries;
};

// One ServiceCore on a data directory, with its own io_context (declared first: it must
// outlive the core) and every reminder it raises.
class Core {
  public:
    Core(const fs::path& data_dir, const Clock& clock, const fs::path& site_file = {},
         std::shared_ptr<SystemLog> system_log = nullptr)
        : core_(io_, options(data_dir, site_file, std::move(system_log)), clock) {
        core_.add_reminder_listener(
            [this](const RaisedReminder& r) { fired.push_back(r.reminder); });
    }

    ServiceCore& svc() { return core_; }

    // The whole reply to a raw line, parsed; checks the envelope.
    json::object raw(std::string_view line, const Peer& peer = kAdmin) {
        HandlerReply reply = core_.handle_line(line, peer);
        if (reply.deferred) {
            // As a session does: the reply arrives on the io thread once the scan is done.
            std::optional<HandlerReply> later;
            reply.deferred([&later](HandlerReply r) { later = std::move(r); });
            while (!later) run_io_once();
            reply = std::move(*later);
        }
        EXPECT_FALSE(reply.line.empty());
        EXPECT_EQ(reply.line.back(), '\n') << "a reply is one '\\n'-terminated line";
        boost::system::error_code ec;
        json::value v = json::parse(reply.line, ec);
        if (ec || !v.is_object()) {
            ADD_FAILURE() << "reply is not a JSON object: " << reply.line;
            return {};
        }
        const auto& o = v.as_object();
        EXPECT_TRUE(o.contains("v") && o.at("v").is_int64() && o.at("v").as_int64() == 1)
            << reply.line;
        return o;
    }

    json::object request(std::string_view method, json::object params = {},
                         const Peer& peer = kAdmin) {
        std::int64_t id = ++next_id_;
        json::object req{{"v", 1}, {"id", id}, {"method", method}, {"params", std::move(params)}};
        json::object reply = raw(json::serialize(req), peer);
        const auto* echoed = reply.if_contains("id");
        EXPECT_TRUE(echoed && echoed->is_int64() && echoed->as_int64() == id)
            << "the reply must echo the request id: " << json::serialize(reply);
        return reply;
    }

    // The result of a request expected to succeed ({} after a test failure).
    json::object ok(std::string_view method, json::object params = {}, const Peer& peer = kAdmin) {
        json::object reply = request(method, std::move(params), peer);
        const auto* result = reply.if_contains("result");
        if (!result || !result->is_object()) {
            ADD_FAILURE() << method << " failed: " << json::serialize(reply);
            return {};
        }
        return result->as_object();
    }

    // The error code of a request expected to fail ("(success)" when it did not fail).
    std::string error(std::string_view method, json::object params = {},
                      const Peer& peer = kAdmin) {
        return code_of(request(method, std::move(params), peer));
    }

    static std::string code_of(const json::object& reply) {
        const auto* e = reply.if_contains("error");
        if (!e || !e->is_object()) return "(success)";
        EXPECT_TRUE(e->as_object().contains("message") &&
                    e->as_object().at("message").is_string() &&
                    !e->as_object().at("message").as_string().empty())
            << "an error reply carries a message: " << json::serialize(reply);
        return str(e->as_object().at("code"));
    }

    static std::string message_of(const json::object& reply) {
        const auto* e = reply.if_contains("error");
        if (!e || !e->is_object()) return {};
        return str(e->as_object().at("message"));
    }

    // The status row of one credential, now or at `at`.
    json::object row(std::string_view id, std::optional<std::string> at = std::nullopt) {
        json::object params;
        if (at) params["at"] = *at;
        json::object status = ok("status", params);
        if (const auto* creds = status.if_contains("credentials"); creds && creds->is_array()) {
            for (const auto& r : creds->as_array())
                if (r.is_object() && str(r.as_object().at("id")) == id) return r.as_object();
        }
        ADD_FAILURE() << "no status row for " << id << ": " << json::serialize(status);
        return {};
    }

    // Ids of the active reminders listed by `status`.
    std::vector<std::int64_t> active_reminder_ids() {
        std::vector<std::int64_t> ids;
        json::object status = ok("status");
        if (const auto* rs = status.if_contains("reminders"); rs && rs->is_array())
            for (const auto& r : rs->as_array()) ids.push_back(r.at("id").as_int64());
        return ids;
    }

    // Reminders raised so far for one credential, and forgets them.
    std::vector<Reminder> take(std::string_view credential) {
        std::vector<Reminder> out, rest;
        for (auto& r : fired) (r.credential_id == credential ? out : rest).push_back(r);
        fired = std::move(rest);
        return out;
    }

    // Runs the io_context until no folder scan is in flight (after on_time_change, reload).
    void settle() {
        while (core_.scan_in_flight()) run_io_once();
    }

    boost::asio::io_context& io() { return io_; }

    std::vector<Reminder> fired;

  private:
    void run_io_once() {
        io_.restart();
        io_.run_one_for(std::chrono::milliseconds(100));
    }

    static ServiceOptions options(const fs::path& data_dir, const fs::path& site_file,
                                  std::shared_ptr<SystemLog> system_log) {
        ServiceOptions o;
        o.data_dir = data_dir;
        o.site_file = site_file;  // empty: the embedded site configuration
        o.console = nullptr;
        // Never the machine's syslog: a recording log, or one that keeps nothing.
        o.system_log = system_log ? std::move(system_log) : make_null_system_log();
        return o;
    }

    boost::asio::io_context io_;
    ServiceCore core_;
    std::int64_t next_id_ = 0;
};

std::vector<std::string> keys_of(const std::vector<Reminder>& rs) {
    std::vector<std::string> keys;
    for (const auto& r : rs) keys.push_back(r.key);
    return keys;
}

using Keys = std::vector<std::string>;

#define ASSERT_STARTED(core)                                                              \
    do {                                                                                  \
        auto cw_st = (core)->svc().start();                                               \
        ASSERT_TRUE(cw_st) << "start() failed: " << (cw_st ? "" : cw_st.error().message); \
    } while (false)

// Evaluates now and returns the keys raised for `credential`; checks that the returned list
// and the listener agree.
Keys evaluate(Core& core, std::string_view credential) {
    const std::size_t heard_before = core.fired.size();
    auto raised = core.svc().evaluate_now();
    if (!raised) {
        ADD_FAILURE() << "evaluate_now failed: " << raised.error().message;
        return {};
    }
    EXPECT_EQ(raised->size(), core.fired.size() - heard_before)
        << "evaluate_now's list and the listener disagree";
    Keys keys;
    for (const auto& r : *raised)
        if (r.reminder.credential_id == credential) keys.push_back(r.reminder.key);
    core.take(credential);
    return keys;
}

class ServiceCoreTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { spdlog::set_level(spdlog::level::err); }

    fs::path data() const { return dir_ / "data"; }
    std::unique_ptr<Core> make(const fs::path& site = {},
                               std::shared_ptr<SystemLog> system_log = nullptr) {
        return std::make_unique<Core>(data(), clock_, site, std::move(system_log));
    }

    TempDir dir_{"cw-core"};
    ManualClock clock_{noon(kToday)};
};

// --- password rotation ---------------------------------------------------------------------

TEST_F(ServiceCoreTest, PasswordChangedFiftyDaysAgoIsDueSoonWithTenDaysLeft) {
    auto core = make();
    ASSERT_STARTED(core);
    EXPECT_TRUE(core->fired.empty()) << "nothing recorded yet: nothing to remind of";

    json::object before = core->row(kPassword);
    EXPECT_EQ(str(before["state"]), "unknown");

    json::object changed = core->ok(
        "record_renewal",
        {{"credential", kPassword}, {"on", format_date(add_days(kToday, -50))}, {"client", "cli"}});
    EXPECT_EQ(str(changed["state"]), "due_soon");
    ASSERT_TRUE(changed["days_left"].is_int64()) << json::serialize(changed);
    EXPECT_EQ(changed["days_left"].as_int64(), 10);
    EXPECT_EQ(str(changed["deadline_date"]), format_date(add_days(kToday, 10)));
    EXPECT_EQ(str(changed["renewed_on"]), format_date(add_days(kToday, -50)));

    json::object row = core->row(kPassword);
    EXPECT_EQ(str(row["state"]), "due_soon");
    EXPECT_EQ(row["days_left"].as_int64(), 10);
    EXPECT_EQ(str(row["deadline"]), format_utc(local_midnight(add_days(kToday, 10))));
    // Already inside the 14-day threshold: the d14 reminder fired when the change was recorded.
    EXPECT_EQ(keys_of(core->take(kPassword)), Keys{"d14"});
    EXPECT_EQ(evaluate(*core, kPassword), Keys{});
}

TEST_F(ServiceCoreTest, EachThresholdFiresOnceThenOverdueDailyThenANewGenerationStartsOver) {
    auto core = make();
    ASSERT_STARTED(core);
    json::object changed = core->ok("record_renewal", {{"credential", kPassword}});
    EXPECT_EQ(str(changed["state"]), "ok");
    EXPECT_EQ(changed["days_left"].as_int64(), 60);
    EXPECT_EQ(str(changed["renewed_on"]), format_date(kToday));
    const std::int64_t generation = changed["generation"].as_int64();
    const Date deadline = add_days(kToday, 60);
    EXPECT_EQ(keys_of(core->take(kPassword)), Keys{});

    // 20 days before: still quiet.
    clock_.set(noon(add_days(deadline, -20)));
    EXPECT_EQ(evaluate(*core, kPassword), Keys{});

    for (int t : {14, 7, 3, 1}) {
        SCOPED_TRACE("threshold d" + std::to_string(t));
        clock_.set(noon(add_days(deadline, -t)));
        EXPECT_EQ(evaluate(*core, kPassword), Keys{"d" + std::to_string(t)});
        EXPECT_EQ(evaluate(*core, kPassword), Keys{}) << "evaluated twice on the same day";
        clock_.advance(6h);  // later the same local day
        EXPECT_EQ(evaluate(*core, kPassword), Keys{});
        json::object row = core->row(kPassword);
        EXPECT_EQ(str(row["state"]), "due_soon");
        EXPECT_EQ(row["days_left"].as_int64(), t);
    }

    // Overdue: one reminder per local day.
    for (int day = 0; day < 3; ++day) {
        SCOPED_TRACE("overdue day " + std::to_string(day));
        clock_.set(noon(add_days(deadline, day)));
        EXPECT_EQ(evaluate(*core, kPassword),
                  Keys{"overdue:" + format_date(add_days(deadline, day))});
        EXPECT_EQ(evaluate(*core, kPassword), Keys{});
        clock_.advance(11h);  // 23:00 local, still the same day
        EXPECT_EQ(evaluate(*core, kPassword), Keys{});
        EXPECT_EQ(str(core->row(kPassword)["state"]), "overdue");
    }

    // A new password change: a new generation, whose thresholds fire again.
    const Date changed_on = add_days(deadline, 3);
    clock_.set(noon(changed_on));
    json::object renewed = core->ok("record_renewal", {{"credential", kPassword}});
    EXPECT_EQ(str(renewed["state"]), "ok");
    EXPECT_EQ(renewed["days_left"].as_int64(), 60);
    EXPECT_EQ(renewed["generation"].as_int64(), generation + 1);
    EXPECT_EQ(keys_of(core->take(kPassword)), Keys{});
    // The old generation's reminders are no longer active.
    EXPECT_TRUE(core->active_reminder_ids().empty());

    const Date deadline2 = add_days(changed_on, 60);
    clock_.set(noon(add_days(deadline2, -14)));
    auto raised = core->svc().evaluate_now();
    ASSERT_TRUE(raised);
    ASSERT_EQ(raised->size(), 1u);
    EXPECT_EQ(raised->front().reminder.key, "d14");
    EXPECT_EQ(raised->front().reminder.generation, generation + 1);
    EXPECT_FALSE(raised->front().text.subject.empty());
}

// --- restart -------------------------------------------------------------------------------

TEST_F(ServiceCoreTest, RestartDoesNotRefireAndFiresOnceWhatBecameDueWhileOff) {
    const Date deadline = add_days(kToday, 10);
    {
        auto core = make();
        ASSERT_STARTED(core);
        core->ok("record_renewal",
                 {{"credential", kPassword}, {"on", format_date(add_days(kToday, -50))}});
        EXPECT_EQ(keys_of(core->take(kPassword)), Keys{"d14"});
    }
    {
        auto core = make();  // same data directory, same clock
        ASSERT_STARTED(core);
        EXPECT_TRUE(core->fired.empty()) << "a restart must not fire d14 again";
        EXPECT_EQ(evaluate(*core, kPassword), Keys{});
        json::object row = core->row(kPassword);
        EXPECT_EQ(str(row["state"]), "due_soon") << "the record survived the restart";
        EXPECT_EQ(row["days_left"].as_int64(), 10);
        EXPECT_EQ(core->active_reminder_ids().size(), 1u);
    }
    // Off while the 7-day threshold passed: it fires once, at start.
    clock_.set(noon(add_days(deadline, -6)));
    {
        auto core = make();
        ASSERT_STARTED(core);
        EXPECT_EQ(keys_of(core->take(kPassword)), Keys{"d7"});
        EXPECT_EQ(evaluate(*core, kPassword), Keys{});
    }
    {
        auto core = make();
        ASSERT_STARTED(core);
        EXPECT_TRUE(core->fired.empty());
    }
    // Off while both d3 and d1 passed: only the most urgent fires; d3 never fires later.
    clock_.set(noon(add_days(deadline, -1)));
    {
        auto core = make();
        ASSERT_STARTED(core);
        EXPECT_EQ(keys_of(core->take(kPassword)), Keys{"d1"});
        EXPECT_EQ(evaluate(*core, kPassword), Keys{});
    }
}

TEST_F(ServiceCoreTest, SecondCoreOnTheSameDataDirectoryIsRefused) {
    auto first = make();
    ASSERT_STARTED(first);
    auto second = make();
    auto st = second->svc().start();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::already_running) << st.error().message;
    EXPECT_EQ(str(first->ok("hello")["user"]), "tester") << "the first one keeps serving";
}

// --- clock jumps ---------------------------------------------------------------------------

TEST_F(ServiceCoreTest, ClockJumpsFireTheMostUrgentOnceAndNeverDuplicate) {
    auto core = make();
    ASSERT_STARTED(core);
    core->ok("record_renewal", {{"credential", kPassword}});
    const Date deadline = add_days(kToday, 60);
    core->take(kPassword);

    // Forward past d14, d7 and d3: only d3 fires.
    clock_.set(noon(add_days(deadline, -2)));
    core->svc().on_time_change("test: forward jump");
    core->settle();
    EXPECT_EQ(keys_of(core->take(kPassword)), Keys{"d3"});

    // Backwards: nothing re-fires, and the skipped thresholds stay moot.
    for (int back : {20, 10, 5}) {
        SCOPED_TRACE("back to " + std::to_string(back) + " days before");
        clock_.set(noon(add_days(deadline, -back)));
        core->svc().on_time_change("test: backward jump");
        core->settle();
        EXPECT_EQ(keys_of(core->take(kPassword)), Keys{});
        EXPECT_EQ(core->row(kPassword)["days_left"].as_int64(), back);
    }
    // Forward again to where d3 already fired: nothing duplicated.
    clock_.set(noon(add_days(deadline, -2)));
    core->svc().on_time_change("test: forward again");
    core->settle();
    EXPECT_EQ(keys_of(core->take(kPassword)), Keys{});
    // The next threshold still fires.
    clock_.set(noon(add_days(deadline, -1)));
    core->svc().on_time_change("test: next day");
    core->settle();
    EXPECT_EQ(keys_of(core->take(kPassword)), Keys{"d1"});

    // Only d3 and d1 exist as reminders for this credential; d14 and d7 never surfaced.
    json::object all = core->ok("reminders", {{"all", true}});
    Keys listed;
    for (const auto& r : all["reminders"].as_array())
        if (str(r.at("credential")) == kPassword) listed.push_back(str(r.at("key")));
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed, (Keys{"d1", "d3"}));
}

// --- issuance quota ------------------------------------------------------------------------

TEST_F(ServiceCoreTest, IssuanceQuotaWarnsAtOneLeftAndIsExhaustedAtSix) {
    auto core = make();
    ASSERT_STARTED(core);
    json::object row = core->row(kIssuance);
    EXPECT_EQ(row["issued"].as_int64(), 0);
    EXPECT_EQ(row["limit"].as_int64(), 6);
    EXPECT_EQ(str(row["state"]), "ok");

    for (int i = 1; i <= 4; ++i) {
        json::object r = core->ok("record_issuance", {{"credential", kIssuance}});
        EXPECT_EQ(r["issued"].as_int64(), i);
        EXPECT_EQ(r["limit"].as_int64(), 6);
        EXPECT_EQ(str(r["state"]), "ok");
    }
    EXPECT_EQ(keys_of(core->take(kIssuance)), Keys{});

    json::object fifth = core->ok("record_issuance", {{"credential", kIssuance}});
    EXPECT_EQ(fifth["issued"].as_int64(), 5);
    EXPECT_EQ(str(fifth["state"]), "due_soon");
    EXPECT_EQ(keys_of(core->take(kIssuance)), Keys{"q1"});

    json::object sixth = core->ok("record_issuance", {{"credential", kIssuance}});
    EXPECT_EQ(sixth["issued"].as_int64(), 6);
    EXPECT_EQ(str(sixth["state"]), "quota_exhausted");
    EXPECT_EQ(keys_of(core->take(kIssuance)), Keys{"q0"});
    EXPECT_EQ(evaluate(*core, kIssuance), Keys{});

    // Lowering the count is refused and changes nothing.
    json::object lower =
        core->request("record_issuance", {{"credential", kIssuance}, {"total", 3}});
    EXPECT_EQ(Core::code_of(lower), "invalid_argument");
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 6);
    // Setting the same total is accepted.
    EXPECT_EQ(
        core->ok("record_issuance", {{"credential", kIssuance}, {"total", 6}})["issued"].as_int64(),
        6);
    // A change date cannot be recorded for a quota, nor an issuance for a password.
    EXPECT_EQ(core->error("record_renewal", {{"credential", kIssuance}}), "invalid_argument");
    EXPECT_EQ(core->error("record_issuance", {{"credential", kPassword}}), "invalid_argument");
}

TEST_F(ServiceCoreTest, SetIssuedRaisesTheCountAndFiresTheMostUrgentQuotaReminder) {
    auto core = make();
    ASSERT_STARTED(core);
    json::object r = core->ok("record_issuance", {{"credential", kIssuance}, {"total", 6}});
    EXPECT_EQ(r["issued"].as_int64(), 6);
    EXPECT_EQ(str(r["state"]), "quota_exhausted");
    EXPECT_EQ(keys_of(core->take(kIssuance)), Keys{"q0"}) << "q1 is moot at 0 left";
    EXPECT_EQ(evaluate(*core, kIssuance), Keys{});
}

// --- acknowledge and snooze ----------------------------------------------------------------

TEST_F(ServiceCoreTest, AcknowledgeHidesAReminderAndSnoozeHidesItUntilTheClockPassesIt) {
    auto core = make();
    ASSERT_STARTED(core);
    core->ok("record_renewal",
             {{"credential", kPassword}, {"on", format_date(add_days(kToday, -50))}});
    auto d14 = core->take(kPassword);
    ASSERT_EQ(d14.size(), 1u);
    const std::int64_t id14 = d14.front().id;
    EXPECT_EQ(core->active_reminder_ids(), std::vector<std::int64_t>{id14});

    json::object acked = core->ok("acknowledge", {{"reminder", id14}, {"client", "cli"}});
    EXPECT_EQ(acked["id"].as_int64(), id14);
    EXPECT_TRUE(acked["acknowledged_at"].is_string()) << json::serialize(acked);
    EXPECT_TRUE(core->active_reminder_ids().empty());

    // d7 three days later.
    clock_.set(noon(add_days(kToday, 3)));
    auto d7 = evaluate(*core, kPassword);
    EXPECT_EQ(d7, Keys{"d7"});
    auto ids = core->active_reminder_ids();
    ASSERT_EQ(ids.size(), 1u);
    const std::int64_t id7 = ids.front();
    EXPECT_NE(id7, id14);

    json::object snoozed = core->ok("snooze", {{"reminder", id7}, {"days", 2}});
    EXPECT_EQ(str(snoozed["snoozed_until"]), format_utc(clock_.now() + 48h));
    EXPECT_TRUE(core->active_reminder_ids().empty());

    clock_.advance(24h);
    EXPECT_EQ(evaluate(*core, kPassword), Keys{});
    EXPECT_TRUE(core->active_reminder_ids().empty()) << "still snoozed after one day";

    clock_.advance(24h + 1min);
    EXPECT_EQ(evaluate(*core, kPassword), Keys{}) << "a snooze ending is not a new reminder";
    EXPECT_EQ(core->active_reminder_ids(), std::vector<std::int64_t>{id7});

    // Snooze until a date; then bad snoozes.
    json::object until =
        core->ok("snooze", {{"reminder", id7}, {"until", format_date(add_days(kToday, 7))}});
    EXPECT_EQ(str(until["snoozed_until"]), format_utc(local_midnight(add_days(kToday, 7))));
    EXPECT_TRUE(core->active_reminder_ids().empty());
    EXPECT_EQ(core->error("snooze", {{"reminder", id7}, {"until", format_date(kToday)}}),
              "invalid_argument")
        << "a snooze that ends in the past";
    EXPECT_EQ(core->error("snooze", {{"reminder", id7}, {"days", 0}}), "invalid_argument");
    EXPECT_EQ(core->error("snooze", {{"reminder", id7}, {"days", 366}}), "invalid_argument");
    EXPECT_EQ(core->error("snooze", {{"reminder", id7}, {"until", "next week"}}),
              "invalid_argument");
    EXPECT_EQ(core->error("acknowledge", {{"reminder", 999999}}), "not_found");
    EXPECT_EQ(core->error("snooze", {{"reminder", 999999}, {"days", 1}}), "not_found");
    EXPECT_EQ(core->error("acknowledge", {{"reminder", "one"}}), "invalid_argument");
}

// --- protocol errors -----------------------------------------------------------------------

TEST_F(ServiceCoreTest, MalformedRequestsGetErrorRepliesAndTheCoreKeepsServing) {
    auto core = make();
    ASSERT_STARTED(core);

    json::object garbage = core->raw("{\"garbage");
    EXPECT_EQ(Core::code_of(garbage), "protocol_error");
    EXPECT_TRUE(garbage.contains("id") && garbage.at("id").is_null());
    EXPECT_FALSE(garbage.contains("result"));

    EXPECT_EQ(Core::code_of(core->raw("[1,2,3]")), "protocol_error");
    EXPECT_EQ(Core::code_of(core->raw("{\"v\":1,\"id\":3}")), "protocol_error") << "no method";
    EXPECT_EQ(Core::code_of(core->raw("{\"id\":4,\"method\":\"hello\"}")), "protocol_error")
        << "no version";
    EXPECT_EQ(Core::code_of(core->raw("{\"v\":1,\"id\":5,\"method\":\"status\",\"params\":[1]}")),
              "protocol_error")
        << "params not an object";

    json::object v2 = core->raw("{\"v\":2,\"id\":7,\"method\":\"hello\"}");
    EXPECT_EQ(Core::code_of(v2), "unsupported_version");
    EXPECT_EQ(v2.at("id").as_int64(), 7);

    json::object unknown = core->raw("{\"v\":1,\"id\":\"x-8\",\"method\":\"frobnicate\"}");
    EXPECT_EQ(Core::code_of(unknown), "protocol_error");
    EXPECT_EQ(str(unknown.at("id")), "x-8");
    EXPECT_NE(Core::message_of(unknown).find("frobnicate"), std::string::npos)
        << Core::message_of(unknown);

    json::object missing = core->raw("{\"v\":1,\"id\":9,\"method\":\"record_renewal\"}");
    EXPECT_EQ(Core::code_of(missing), "invalid_argument");
    EXPECT_NE(Core::message_of(missing).find("credential"), std::string::npos)
        << Core::message_of(missing);
    EXPECT_EQ(core->error("record_renewal", {{"credential", 42}}), "invalid_argument");
    EXPECT_EQ(core->error("acknowledge"), "invalid_argument");
    EXPECT_EQ(core->error("add", {{"credential", "x"}}), "invalid_argument");

    json::object unknown_cred = core->request("record_renewal", {{"credential", "nope/none"}});
    EXPECT_EQ(Core::code_of(unknown_cred), "not_found");
    EXPECT_NE(Core::message_of(unknown_cred).find("nope/none"), std::string::npos);

    json::object bad_date =
        core->request("record_renewal", {{"credential", kPassword}, {"on", "2026-02-30"}});
    EXPECT_EQ(Core::code_of(bad_date), "invalid_argument");
    EXPECT_NE(Core::message_of(bad_date).find("2026-02-30"), std::string::npos);
    EXPECT_EQ(core->error("record_renewal",
                          {{"credential", kPassword}, {"on", format_date(add_days(kToday, 5))}}),
              "invalid_argument")
        << "a change in the future";

    // The same core still answers a valid request, and nothing was recorded by the failures.
    json::object hello = core->ok("hello");
    EXPECT_EQ(hello["protocol"].as_int64(), 1);
    EXPECT_EQ(str(hello["user"]), "tester");
    EXPECT_TRUE(hello["privileged"].as_bool());
    EXPECT_EQ(str(core->row(kPassword)["state"]), "unknown");
}

// --- permissions ---------------------------------------------------------------------------

TEST_F(ServiceCoreTest, AUserCannotChangeAnotherUsersCredentialButCanChangeMachineOnes) {
    const Peer alice{"alice", false, {}};
    const Peer bob{"bob", false, {}};
    auto core = make();
    ASSERT_STARTED(core);
    json::object added = core->ok("add", {{"credential", "bob/password"},
                                          {"system", "cancer-registry"},
                                          {"kind", "user-password"},
                                          {"owner", "bob"},
                                          {"label", "Bob's password"}});
    EXPECT_EQ(str(added["owner"]), "bob");

    json::object denied = core->request("record_renewal", {{"credential", "bob/password"}}, alice);
    EXPECT_EQ(Core::code_of(denied), "permission_denied");
    EXPECT_TRUE(core->row("bob/password")["renewed_on"].is_null()) << "nothing was recorded";
    EXPECT_EQ(core->error("remove", {{"credential", "bob/password"}}, alice), "permission_denied");
    EXPECT_EQ(core->error("add",
                          {{"credential", "alice/for-bob"},
                           {"system", "cancer-registry"},
                           {"kind", "user-password"},
                           {"owner", "bob"}},
                          alice),
              "permission_denied");
    EXPECT_EQ(core->error("reload", {}, alice), "permission_denied");

    // A machine credential: anyone may record its change.
    json::object machine = core->ok("record_renewal", {{"credential", kPassword}}, alice);
    EXPECT_EQ(str(machine["state"]), "ok");
    EXPECT_EQ(str(machine["owner"]), "machine");

    // Bob himself may; the reminder it raises is his, and alice may not acknowledge it.
    core->ok("record_renewal",
             {{"credential", "bob/password"}, {"on", format_date(add_days(kToday, -50))}}, bob);
    auto bobs = core->take("bob/password");
    ASSERT_EQ(bobs.size(), 1u);
    EXPECT_EQ(core->error("acknowledge", {{"reminder", bobs.front().id}}, alice),
              "permission_denied");
    EXPECT_EQ(core->error("snooze", {{"reminder", bobs.front().id}, {"days", 1}}, alice),
              "permission_denied");
    core->ok("acknowledge", {{"reminder", bobs.front().id}}, bob);

    // A credential added by alice without an owner is hers for a per-user kind.
    json::object hers = core->ok("add",
                                 {{"credential", "alice/service-cert"},
                                  {"system", "cancer-registry"},
                                  {"kind", "service-certificate"}},
                                 alice);
    EXPECT_EQ(str(hers["owner"]), "alice");
}

// --- status at a date ----------------------------------------------------------------------

TEST_F(ServiceCoreTest, StatusAtAFutureDateShowsOverdue) {
    auto core = make();
    ASSERT_STARTED(core);
    core->ok("record_renewal", {{"credential", kPassword}});
    EXPECT_EQ(str(core->row(kPassword)["state"]), "ok");

    const Date later = add_days(kToday, 61);
    json::object status = core->ok("status", {{"at", format_date(later)}});
    EXPECT_EQ(str(status["at"]), format_utc(local_midnight(later)));
    EXPECT_EQ(str(status["now"]), format_utc(clock_.now()));
    json::object row = core->row(kPassword, format_date(later));
    EXPECT_EQ(str(row["state"]), "overdue");
    EXPECT_EQ(row["days_left"].as_int64(), -1);
    EXPECT_GE(status["severity"].as_int64(), severity(State::overdue));

    json::object soon = core->row(kPassword, format_date(add_days(kToday, 50)));
    EXPECT_EQ(str(soon["state"]), "due_soon");
    EXPECT_EQ(soon["days_left"].as_int64(), 10);

    // Looking ahead raises nothing and changes nothing.
    EXPECT_TRUE(core->fired.empty());
    EXPECT_EQ(str(core->row(kPassword)["state"]), "ok");
    EXPECT_EQ(core->error("status", {{"at", "someday"}}), "invalid_argument");
}

// --- removal -------------------------------------------------------------------------------

TEST_F(ServiceCoreTest, ARemovedConfiguredCredentialStaysRemovedAfterARestart) {
    {
        auto core = make();
        ASSERT_STARTED(core);
        json::object removed = core->ok("remove", {{"credential", kPassword}});
        EXPECT_EQ(str(removed["removed"]), kPassword);
        EXPECT_EQ(core->error("record_renewal", {{"credential", kPassword}}), "not_found");
    }
    auto core = make();
    ASSERT_STARTED(core);
    json::object status = core->ok("status");
    for (const auto& r : status["credentials"].as_array())
        EXPECT_NE(str(r.at("id")), kPassword) << "the site configuration must not bring it back";
    EXPECT_FALSE(core->row(kIssuance).empty()) << "the other configured credentials remain";
}

// --- the systems a site uses ([service] systems) ------------------------------------------

namespace {
// The bundled site file with `systems` (a TOML array, or empty: the key left out) in [service].
std::string site_with_systems(std::string_view systems) {
    std::string text = embedded::site_toml;
    if (!systems.empty()) {
        const auto at = text.find("[service]\n");
        text.insert(at + 10, "systems = " + std::string(systems) + "\n");
    }
    return text;
}

std::set<std::string> status_ids(Core& core) {
    std::set<std::string> ids;
    json::object status = core.ok("status");
    for (const auto& r : status["credentials"].as_array()) ids.insert(str(r.at("id")));
    return ids;
}
}  // namespace

TEST_F(ServiceCoreTest, OnlyTheCredentialsOfTheSystemsASiteUsesAreTrackedFromTheSiteFile) {
    const fs::path site = dir_ / "site.toml";
    write_file(site, site_with_systems(R"(["cancer-registry", "orca-cloud"])"));
    auto core = make(site);
    ASSERT_STARTED(core);
    EXPECT_EQ(status_ids(*core),
              (std::set<std::string>{kPassword, "cancer-registry/service-certificate", kIssuance,
                                     "cancer-registry/e-filing-form", "orca-cloud/ca-certificate",
                                     "orca-cloud/client-certificate"}));
}

// The symptom guide of the site's systems only, in catalog order, for any caller.
TEST_F(ServiceCoreTest, SymptomsAnswerTheGuideOfTheSystemsTheSiteUses) {
    const fs::path site = dir_ / "site.toml";
    write_file(site, site_with_systems(R"(["cancer-registry", "gtol"])"));
    auto core = make(site);
    ASSERT_STARTED(core);
    const Peer staff{"alice", false, {}};
    const json::object reply = core->ok("symptoms", {}, staff);
    ASSERT_TRUE(reply.contains("symptoms")) << json::serialize(reply);
    const json::array& list = reply.at("symptoms").as_array();
    ASSERT_FALSE(list.empty());
    std::set<std::string> systems;
    bool page_not_shown = false, account_not_found = false;
    for (const auto& v : list) {
        const json::object& s = v.as_object();
        systems.insert(str(s.at("system")));
        for (const char* field :
             {"message_ja", "message_en", "what_to_do_ja", "what_to_do_en", "manual"})
            EXPECT_FALSE(str(s.at(field)).empty()) << field;
        const std::string message = str(s.at("message_ja"));
        if (message.find("このページは表示できません") != std::string::npos && !page_not_shown) {
            page_not_shown = true;
            const json::array& checks = s.at("checks").as_array();
            EXPECT_NE(
                std::find(checks.begin(), checks.end(), json::value("cancer-registry/resolve-mio")),
                checks.end())
                << json::serialize(s);
        }
        if (message.find("ご利用のアカウントが見つからないようです。") != std::string::npos)
            account_not_found = true;
    }
    EXPECT_EQ(systems, (std::set<std::string>{"cancer-registry", "gtol"}))
        << "only the systems the site uses";
    EXPECT_TRUE(page_not_shown);
    EXPECT_TRUE(account_not_found);
    EXPECT_EQ(str(list.front().at("system")), "cancer-registry") << "catalog order";
}

TEST_F(ServiceCoreTest, ASystemNoLongerUsedKeepsTheCredentialsAlreadyTrackedAndTheirRecords) {
    const std::string gtol = "gtol/user-password";
    const std::string renewed = format_date(add_days(kToday, -10));
    {
        auto core = make();  // no setting: every system, as before the setting existed
        ASSERT_STARTED(core);
        EXPECT_EQ(status_ids(*core).size(), 8u);
        core->ok("record_renewal", {{"credential", gtol}, {"on", renewed}, {"client", "cli"}});
    }
    const fs::path site = dir_ / "site.toml";
    write_file(site, site_with_systems(R"(["cancer-registry"])"));
    auto core = make(site);
    ASSERT_STARTED(core);
    json::object row = core->row(gtol);
    EXPECT_EQ(str(row["renewed_on"]), renewed) << "a recorded date is never lost";
    EXPECT_EQ(status_ids(*core).size(), 8u) << "nothing tracked is removed silently";
}

// set_systems (the tray's first-run dialog, `credwatch systems set`): the service's own site
// file is edited as `configure --set service.systems=...` does, the configuration reloads and
// seeds the chosen systems' credentials; tracked ones stay (as a restart keeps them).
TEST_F(ServiceCoreTest, SetSystemsEditsTheSiteFileReloadsAndSeedsTheChosenSystems) {
    const fs::path site = dir_ / "site.toml";
    write_file(site, site_with_systems(R"(["cancer-registry"])"));
    auto core = make(site);
    ASSERT_STARTED(core);
    ASSERT_FALSE(status_ids(*core).count("gtol/user-password"));

    json::object reply =
        core->ok("set_systems", {{"systems", json::array{"cancer-registry", "gtol"}}});
    EXPECT_TRUE(reply["changed"].as_bool());
    const std::string text = test::read_file(site);
    EXPECT_NE(text.find("gtol"), std::string::npos) << text;
    EXPECT_TRUE(status_ids(*core).count("gtol/user-password")) << "the reload seeds gtol";
    EXPECT_TRUE(status_ids(*core).count(kPassword)) << "tracked credentials stay";
    json::object catalog = core->ok("catalog");
    EXPECT_EQ(json::serialize(catalog["site_systems"]), R"(["cancer-registry","gtol"])");

    // Dropping a system removes nothing already tracked (as at a restart).
    core->ok("set_systems", {{"systems", json::array{"cancer-registry"}}});
    EXPECT_TRUE(status_ids(*core).count("gtol/user-password"));

    bool audited = false;
    json::object audit = core->ok("audit");
    for (const auto& e : audit["audit"].as_array())
        if (str(e.at("action")) == "site-systems" &&
            str(e.at("new_value")) == "cancer-registry,gtol" &&
            str(e.at("old_value")) == "cancer-registry")
            audited = true;
    EXPECT_TRUE(audited) << json::serialize(audit);
}

TEST_F(ServiceCoreTest, SetSystemsOnTheBundledSiteFileWritesOneInTheDataDirectory) {
    auto core = make();  // the embedded site file: every system
    ASSERT_STARTED(core);
    EXPECT_TRUE(core->ok("catalog")["site_systems"].is_null());
    core->ok("set_systems", {{"systems", json::array{"orca-cloud"}}});
    const std::string text = test::read_file(data() / "site.toml");
    EXPECT_NE(text.find("orca-cloud"), std::string::npos) << text;
    EXPECT_EQ(json::serialize(core->ok("catalog")["site_systems"]), R"(["orca-cloud"])");
    // The next reload reads the same file, not the bundled one.
    core->ok("reload");
    EXPECT_EQ(json::serialize(core->ok("catalog")["site_systems"]), R"(["orca-cloud"])");
}

TEST_F(ServiceCoreTest, SetSystemsRefusesStaffAndUnknownSystemIds) {
    const fs::path site = dir_ / "site.toml";
    write_file(site, site_with_systems(R"(["cancer-registry"])"));
    const std::string before = test::read_file(site);
    auto core = make(site);
    ASSERT_STARTED(core);
    const Peer staff{"suzuki", false, {}};
    json::object denied = core->request("set_systems", {{"systems", json::array{"gtol"}}}, staff);
    EXPECT_EQ(Core::code_of(denied), "permission_denied");
    json::object unknown =
        core->request("set_systems", {{"systems", json::array{"gtol", "no-such-system"}}});
    EXPECT_EQ(Core::code_of(unknown), "not_found");
    EXPECT_NE(Core::message_of(unknown).find("no-such-system"), std::string::npos)
        << Core::message_of(unknown);
    EXPECT_EQ(core->error("set_systems", {{"systems", "gtol"}}), "invalid_argument");
    EXPECT_EQ(test::read_file(site), before) << "a refused request leaves the file alone";
    EXPECT_FALSE(status_ids(*core).count("gtol/user-password"));
}

// --- out-of-range values (see the report: these expose product bugs) -----------------------

// service/src/service_core.cpp record_issuance() narrows the int64 "total" with
// static_cast<int>: 4294967302 (2^32 + 6) is recorded as 6 and exhausts the quota.
TEST_F(ServiceCoreTest, AnIssuanceTotalBeyondTheIntRangeIsRefusedNotTruncated) {
    auto core = make();
    ASSERT_STARTED(core);
    json::object reply =
        core->request("record_issuance", {{"credential", kIssuance}, {"total", 4294967302LL}});
    EXPECT_EQ(Core::code_of(reply), "invalid_argument")
        << "PRODUCT BUG: an out-of-range total must be refused, got " << json::serialize(reply);
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 0)
        << "PRODUCT BUG: total 2^32+6 was recorded as a different count";
}

// Same narrowing in add_credential() for "limit" and "lifetime_days".
TEST_F(ServiceCoreTest, AnAddedLimitOrLifetimeBeyondTheIntRangeIsRefusedNotTruncated) {
    auto core = make();
    ASSERT_STARTED(core);
    json::object limit = core->request("add", {{"credential", "extra/issuance"},
                                               {"system", "cancer-registry"},
                                               {"kind", "certificate-issuance"},
                                               {"limit", 4294967297LL}});
    EXPECT_EQ(Core::code_of(limit), "invalid_argument")
        << "PRODUCT BUG: limit 2^32+1 must be refused, got " << json::serialize(limit);
    json::object lifetime = core->request("add", {{"credential", "extra/password"},
                                                  {"system", "cancer-registry"},
                                                  {"kind", "user-password"},
                                                  {"lifetime_days", 4294967356LL}});
    EXPECT_EQ(Core::code_of(lifetime), "invalid_argument")
        << "PRODUCT BUG: lifetime_days 2^32+60 must be refused, got " << json::serialize(lifetime);
}

// parse_date() accepts years up to 9999, but common/base/src/civil_time.cpp local_midnight()
// converts with system_clock::from_time_t, whose nanosecond range ends in April 2262: a later date
// wraps around to the 18th century, and `status --at` shows the states of that wrong instant.
TEST_F(ServiceCoreTest, StatusAtADateBeyond2262IsRefusedOrEvaluatedAtThatDate) {
    auto core = make();
    ASSERT_STARTED(core);
    core->ok("record_renewal", {{"credential", kPassword}});
    for (const char* at : {"2300-01-01", "9999-12-31"}) {
        SCOPED_TRACE(at);
        json::object reply = core->request("status", {{"at", at}});
        if (Core::code_of(reply) != "(success)") {
            EXPECT_EQ(Core::code_of(reply), "invalid_argument");
            continue;
        }
        const json::object& result = reply.at("result").as_object();
        const std::string shown = str(result.at("at"));
        const std::string year(at, 4);
        const std::string year_before = std::to_string(std::stoi(year) - 1);
        EXPECT_TRUE(shown.starts_with(year) || shown.starts_with(year_before))
            << "PRODUCT BUG: status at " << at << " evaluated at " << shown;
        for (const auto& r : result.at("credentials").as_array()) {
            if (str(r.at("id")) == kPassword) {
                EXPECT_EQ(str(r.at("state")), "overdue")
                    << "PRODUCT BUG: a 60-day password is not overdue at " << at;
            }
        }
    }
}

// --- certificates --------------------------------------------------------------------------

class ServiceCoreCertificateTest : public ServiceCoreTest {
  protected:
    fs::path certs() const { return dir_ / "certs"; }

    fs::path write_site() {
        fs::create_directories(certs());
        fs::path site = dir_ / "site.toml";
        write_file(site,
                   "[service]\n"
                   "certificate_folders = ['" +
                       certs().string() +
                       "']\n"
                       "language = \"en\"\n\n"
                       "[[credential]]\n"
                       "id = \"orca-cloud/client-certificate\"\n"
                       "system = \"orca-cloud\"\n"
                       "kind = \"client-certificate\"\n\n"
                       "[[credential]]\n"
                       "id = \"cancer-registry/user-password\"\n"
                       "system = \"cancer-registry\"\n"
                       "kind = \"user-password\"\n");
        return site;
    }

    test::TestCert client_cert(int days, const std::string& serial) {
        test::CertSpec spec;
        spec.common_name = "ORCA client " + serial;
        spec.serial_hex = serial;
        spec.not_before =
            std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() - 30 * 24h);
        spec.not_after =
            std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() + days * 24h);
        return test::make_self_signed(spec);
    }

    void write_p12(const test::TestCert& cert) {
        test::P12Options options;
        options.password = "secret";
        write_file(certs() / "client1423.p12", test::make_pkcs12(cert, options));
        write_file(certs() / "client1423.pass", "secret\r\n");
    }
};

TEST_F(ServiceCoreCertificateTest, ClientP12IsMatchedBrokenFilesAreListedAndANewerCertRenews) {
    fs::path site = write_site();
    test::TestCert first = client_cert(20, "1423");
    write_p12(first);
    write_file(certs() / "broken.pem",
               "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
    // Another readable file: a broken file must not stop the scan.
    write_file(certs() / "zz-other.pem", client_cert(200, "0abc").pem());

    auto core = make(site);
    ASSERT_STARTED(core);

    json::object row = core->row(kClientCert);
    EXPECT_EQ(str(row["state"]), "due_soon") << json::serialize(row);
    ASSERT_TRUE(row["days_left"].is_int64()) << json::serialize(row);
    EXPECT_EQ(row["days_left"].as_int64(), 20);
    ASSERT_TRUE(row["certificate"].is_object()) << json::serialize(row);
    EXPECT_EQ(str(row["certificate"].at("sha256")), test::sha256_hex(first.der()));
    EXPECT_NE(str(row["certificate"].at("location")).find("client1423.p12"), std::string::npos);
    const std::int64_t generation = row["generation"].as_int64();
    // 20 days left crosses the 60- and 30-day thresholds: d30 fires at start, d60 is moot.
    EXPECT_EQ(keys_of(core->take(kClientCert)), Keys{"d30"});

    json::object inv = core->ok("inventory");
    bool p12_listed = false, other_listed = false;
    for (const auto& c : inv["certificates"].as_array()) {
        std::string path = str(c.at("path"));
        if (path.find("client1423.p12") != std::string::npos) {
            p12_listed = true;
            EXPECT_EQ(str(c.at("sha256")), test::sha256_hex(first.der()));
            EXPECT_EQ(str(c.at("not_after")),
                      format_utc(std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() +
                                                                                    20 * 24h)));
            EXPECT_NE(str(c.at("subject")).find("ORCA client 1423"), std::string::npos);
        }
        if (path.find("zz-other.pem") != std::string::npos) other_listed = true;
    }
    EXPECT_TRUE(p12_listed) << json::serialize(inv);
    EXPECT_TRUE(other_listed) << "the scan must go on after a broken file: "
                              << json::serialize(inv);
    bool broken_listed = false;
    for (const auto& f : inv["failures"].as_array()) {
        if (str(f.at("path")).find("broken.pem") != std::string::npos) {
            broken_listed = true;
            EXPECT_FALSE(str(f.at("error")).empty());
        }
        EXPECT_EQ(str(f.at("path")).find("client1423"), std::string::npos)
            << "the p12 opened with its .pass (trailing CR LF stripped): " << json::serialize(f);
        EXPECT_EQ(str(f.at("error")).find("secret"), std::string::npos)
            << "a password never appears in an error";
    }
    EXPECT_TRUE(broken_listed) << json::serialize(inv);

    // Rescan of unchanged files: nothing new.
    json::object rescan = core->ok("rescan");
    EXPECT_EQ(rescan["reminders_raised"].as_int64(), 0);
    EXPECT_EQ(core->row(kClientCert)["generation"].as_int64(), generation);

    // The certificate is replaced by a later one: a new generation, state ok again.
    test::TestCert second = client_cert(400, "1424");
    write_p12(second);
    // Make sure the file looks changed even if written within the same timestamp tick.
    fs::last_write_time(certs() / "client1423.p12",
                        fs::last_write_time(certs() / "client1423.p12") + 10s);
    core->ok("rescan");
    json::object renewed = core->row(kClientCert);
    EXPECT_EQ(str(renewed["state"]), "ok") << json::serialize(renewed);
    EXPECT_EQ(renewed["days_left"].as_int64(), 400);
    EXPECT_EQ(renewed["generation"].as_int64(), generation + 1);
    ASSERT_TRUE(renewed["certificate"].is_object());
    EXPECT_EQ(str(renewed["certificate"].at("sha256")), test::sha256_hex(second.der()));
    EXPECT_EQ(keys_of(core->take(kClientCert)), Keys{});
    EXPECT_TRUE(core->active_reminder_ids().empty())
        << "the old generation's d30 is no longer active";

    // The file disappears: the credential has no certificate; it comes back: same generation,
    // nothing fires again.
    const fs::path p12 = certs() / "client1423.p12";
    const std::string p12_bytes = test::read_file(p12);
    fs::remove(p12);
    core->ok("rescan");
    json::object gone = core->row(kClientCert);
    EXPECT_EQ(str(gone["state"]), "unknown") << json::serialize(gone);
    EXPECT_TRUE(gone["certificate"].is_null());
    write_file(p12, p12_bytes);
    core->ok("rescan");
    json::object back = core->row(kClientCert);
    EXPECT_EQ(str(back["state"]), "ok") << json::serialize(back);
    EXPECT_EQ(back["generation"].as_int64(), generation + 1);
    EXPECT_EQ(keys_of(core->take(kClientCert)), Keys{});

    // The new generation's thresholds fire again.
    clock_.advance(370 * 24h);
    EXPECT_EQ(evaluate(*core, kClientCert), Keys{"d30"});
}

TEST_F(ServiceCoreCertificateTest, AnUnreadableCertificateIsWrittenToTheSystemLogOncePerFailure) {
    fs::path site = write_site();
    const std::string corrupt =
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
    const fs::path broken = certs() / "broken.pem";
    write_file(broken, corrupt);
    // A PKCS#12 file whose .pass does not open it: its reason must not carry the password.
    test::TestCert cert = client_cert(200, "0abc");
    test::P12Options p12;
    p12.password = "secret";
    write_file(certs() / "locked.p12", test::make_pkcs12(cert, p12));
    write_file(certs() / "locked.pass", "hunter2-not-it\n");
    // Rewrites a file and moves its modification time, so that the scanner reads it again
    // even when it was written within the same timestamp tick.
    int touches = 0;
    const auto rewrite = [&](const fs::path& path, const std::string& content) {
        const auto before = fs::last_write_time(path);
        write_file(path, content);
        fs::last_write_time(path, before + (++touches) * 10s);
    };
    const auto unreadable_about = [](const RecordingSystemLog& log, std::string_view file) {
        std::vector<std::string> out;
        for (const auto& text : log.texts(events::kCertificateUnreadable))
            if (text.find(file) != std::string::npos) out.push_back(text);
        return out;
    };

    auto log = std::make_shared<RecordingSystemLog>();
    auto core = make(site, log);
    ASSERT_STARTED(core);  // the startup scan
    auto written = unreadable_about(*log, "broken.pem");
    ASSERT_EQ(written.size(), 1u) << "the startup scan writes the corrupt file once";
    EXPECT_NE(written[0].find("not base64"), std::string::npos) << written[0];
    EXPECT_EQ(unreadable_about(*log, "locked.p12").size(), 1u);
    EXPECT_EQ(log->texts(events::kCertificateUnreadable).size(), 2u);

    // Two rescans and a periodic evaluation of the same broken files: nothing more.
    core->ok("rescan");
    core->ok("rescan");
    core->svc().on_time_change("test");
    core->settle();
    EXPECT_EQ(unreadable_about(*log, "broken.pem").size(), 1u) << "not on every rescan";
    EXPECT_EQ(log->texts(events::kCertificateUnreadable).size(), 2u);

    // Fixed: nothing is written, and the inventory has no failure for it.
    rewrite(broken, cert.pem());
    core->ok("rescan");
    EXPECT_EQ(unreadable_about(*log, "broken.pem").size(), 1u);
    json::object inv = core->ok("inventory");
    for (const auto& f : inv["failures"].as_array())
        EXPECT_EQ(str(f.at("path")).find("broken.pem"), std::string::npos) << json::serialize(f);

    // Broken again: written again, once.
    rewrite(broken, corrupt);
    core->ok("rescan");
    core->ok("rescan");
    EXPECT_EQ(unreadable_about(*log, "broken.pem").size(), 2u) << "a new failure is written";
    EXPECT_EQ(unreadable_about(*log, "locked.p12").size(), 1u) << "still the same failure";

    for (const auto& e : log->entries)
        EXPECT_EQ(e.text.find("hunter2"), std::string::npos) << "a password is never logged";
}

TEST_F(ServiceCoreCertificateTest, AnUnreadableCertificateATrayReportsIsListedButNotLogged) {
    // Any local user may report; their text must not reach the Event Log or syslog.
    auto log = std::make_shared<RecordingSystemLog>();
    auto core = make(write_site(), log);
    ASSERT_STARTED(core);
    const Peer alice{"alice", false, {}};
    const json::object broken{{"path", "/home/alice/certs/old.p12"},
                              {"code", "password_wrong"},
                              {"error",
                               "/home/alice/certs/old.p12: the password in old.pass "
                               "does not open it"}};
    core->ok("report_certificates",
             {{"certificates", json::array{}}, {"failures", json::array{broken}}}, alice);
    EXPECT_TRUE(log->texts(events::kCertificateUnreadable).empty());
    const json::object inventory = core->ok("inventory");
    bool listed = false;
    for (const auto& f : inventory.at("failures").as_array())
        if (f.as_object().at("path") == "/home/alice/certs/old.p12") listed = true;
    EXPECT_TRUE(listed) << json::serialize(inventory.at("failures"));
}

// --- reports from a user's tray ---------------------------------------------------------------

// A report record as the tray sends it: the DER, and where it was found.
json::object der_record(std::string_view der, std::string_view location = "CurrentUser\\My",
                        std::string_view source = "store") {
    return {{"der", mail::base64(der)}, {"location", location}, {"source", source}};
}

// The inventory's certificate records with one SHA-256 (or all, when sha256 is empty).
std::vector<json::object> inventory_records(Core& core, std::string_view sha256 = {}) {
    std::vector<json::object> out;
    json::object inv = core.ok("inventory");
    for (const auto& c : inv["certificates"].as_array())
        if (sha256.empty() || str(c.at("sha256")) == sha256) out.push_back(c.as_object());
    return out;
}

class ServiceCoreReportTest : public ServiceCoreCertificateTest {
  protected:
    // The client certificate credential (a machine credential) with, optionally, store_user;
    // the issuance quota, whose certificates the site matches by subject in CurrentUser\My.
    fs::path write_report_site(std::string_view store_user = {}) {
        fs::path site = write_site();
        std::string text = test::read_file(site);
        if (!store_user.empty()) {
            const std::string id_line = "id = \"orca-cloud/client-certificate\"\n";
            text.insert(text.find(id_line) + id_line.size(),
                        fmt::format("store_user = \"{}\"\n", store_user));
        }
        text +=
            "\n[[credential]]\n"
            "id = \"cancer-registry/certificate-issuance\"\n"
            "system = \"cancer-registry\"\n"
            "kind = \"certificate-issuance\"\n\n"
            "[kind.\"cancer-registry/service-certificate\"]\n"
            "match = { subject_contains = [\"Soliton\"], stores = ['CurrentUser\\My'] }\n";
        write_file(site, text);
        return site;
    }

    test::TestCert soliton_cert(const std::string& serial) {
        test::CertSpec spec;
        spec.common_name = "Soliton service " + serial;
        spec.serial_hex = serial;
        return test::make_self_signed(spec);
    }

    const Peer alice_{"alice", false, {}};
    const Peer bob_{"bob", false, {}};
};

TEST_F(ServiceCoreReportTest, AReportIsDescribedFromItsDerAndNotFromWhatItAsserts) {
    auto core = make(write_report_site());
    ASSERT_STARTED(core);
    test::TestCert real = client_cert(90, "5a5a");
    // Asserted facts of another certificate beside the DER of a real one: only the DER counts.
    json::object forged = der_record(real.der());
    forged["subject"] = "CN=forged";
    forged["issuer"] = "CN=forged CA";
    forged["not_after"] = "2099-01-01T00:00:00Z";
    forged["sha256"] = std::string(64, 'a');
    forged["owner"] = "machine";
    json::object not_base64{{"der", "%%% not base64 %%%"}, {"location", "CurrentUser\\My"}};
    json::object not_der = der_record("this is no certificate at all");
    json::object reply = core->ok(
        "report_certificates",
        {{"certificates", json::array{forged, not_base64, not_der}}, {"client", "tray"}}, alice_);
    EXPECT_EQ(reply["accepted"].as_int64(), 1) << json::serialize(reply);
    EXPECT_EQ(reply["failed"].as_int64(), 2) << json::serialize(reply);
    EXPECT_EQ(str(reply["owner"]), "alice");

    auto records = inventory_records(*core, test::sha256_hex(real.der()));
    ASSERT_EQ(records.size(), 1u) << json::serialize(core->ok("inventory"));
    EXPECT_NE(str(records[0]["subject"]).find("ORCA client 5a5a"), std::string::npos);
    EXPECT_EQ(records[0]["subject"], records[0]["issuer"]) << "self-signed, as the DER says";
    EXPECT_EQ(
        str(records[0]["not_after"]),
        format_utc(std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() + 90 * 24h)));
    EXPECT_EQ(str(records[0]["sha1"]), test::sha1_hex(real.der()));
    EXPECT_EQ(str(records[0]["owner"]), "alice") << "the OS-identified caller, not the message";
    EXPECT_TRUE(inventory_records(*core, std::string(64, 'a')).empty());
    for (const auto& c : inventory_records(*core))
        EXPECT_NE(str(c.at("subject")), "CN=forged") << json::serialize(c);

    // The two records that do not decode are failures naming their index, not certificates.
    json::object inv = core->ok("inventory");
    std::string failures = json::serialize(inv["failures"]);
    bool base64_failure = false, der_failure = false;
    for (const auto& f : inv["failures"].as_array()) {
        const std::string error = str(f.at("error"));
        if (error.starts_with("certificates[1]: ") && error.find("base64") != std::string::npos)
            base64_failure = true;
        if (error.starts_with("certificates[2]: DER certificate: ")) der_failure = true;
    }
    EXPECT_TRUE(base64_failure) << failures;
    EXPECT_TRUE(der_failure) << failures;

    // The asserted-fields form without DER is refused, naming the missing field; the earlier
    // report stays.
    json::object asserted{{"path", "CurrentUser\\My"},
                          {"source", "store"},
                          {"owner", "alice"},
                          {"subject", "CN=forged"},
                          {"issuer", "CN=forged CA"},
                          {"serial", "01"},
                          {"not_before", "2020-01-01T00:00:00Z"},
                          {"not_after", "2099-01-01T00:00:00Z"},
                          {"sha1", std::string(40, 'b')},
                          {"sha256", std::string(64, 'b')}};
    json::object refused =
        core->request("report_certificates", {{"certificates", json::array{asserted}}}, alice_);
    EXPECT_EQ(Core::code_of(refused), "invalid_argument") << json::serialize(refused);
    EXPECT_NE(Core::message_of(refused).find("\"der\""), std::string::npos)
        << Core::message_of(refused);
    EXPECT_NE(Core::message_of(refused).find("certificates[0]"), std::string::npos);
    EXPECT_EQ(inventory_records(*core, test::sha256_hex(real.der())).size(), 1u);
    EXPECT_TRUE(inventory_records(*core, std::string(64, 'b')).empty());
}

TEST_F(ServiceCoreReportTest, AUsersReportDoesNotMoveAMachineCredential) {
    fs::path site = write_report_site();
    test::TestCert scanned = client_cert(20, "1423");
    write_p12(scanned);
    auto core = make(site);
    ASSERT_STARTED(core);
    json::object before = core->row(kClientCert);
    ASSERT_EQ(str(before["state"]), "due_soon") << json::serialize(before);
    const std::int64_t generation = before["generation"].as_int64();
    const std::int64_t issued = core->row(kIssuance)["issued"].as_int64();
    core->take(kClientCert);

    // A renewed-looking certificate (a real one) as if from alice's folder, and two issued
    // service certificates in her store.
    test::TestCert renewed = client_cert(400, "1424");
    const std::string renewed_sha = test::sha256_hex(renewed.der());
    core->ok(
        "report_certificates",
        {{"certificates",
          json::array{der_record(renewed.der(), "/home/alice/client1423.p12", "file"),
                      der_record(soliton_cert("01").der()), der_record(soliton_cert("02").der())}}},
        alice_);
    ASSERT_EQ(inventory_records(*core, renewed_sha).size(), 1u) << "listed in her inventory";
    EXPECT_EQ(str(inventory_records(*core, renewed_sha)[0]["owner"]), "alice");

    json::object after = core->row(kClientCert);
    EXPECT_EQ(str(after["state"]), "due_soon") << json::serialize(after);
    EXPECT_EQ(after["generation"].as_int64(), generation);
    EXPECT_EQ(str(after["certificate"].at("sha256")), test::sha256_hex(scanned.der()));
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), issued);

    // Bound by alice herself (she may bind what she reported): still not the machine's.
    core->ok("bind", {{"sha256", renewed_sha}, {"credential", kClientCert}}, alice_);
    json::object bound = core->row(kClientCert);
    EXPECT_EQ(bound["generation"].as_int64(), generation) << json::serialize(bound);
    EXPECT_EQ(str(bound["certificate"].at("sha256")), test::sha256_hex(scanned.der()));
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), issued);
    EXPECT_TRUE(core->take(kClientCert).empty());
}

// The machine credential's certificate lives in the store user's own store (nothing in the
// scanned folders): only that user's report can give it a certificate, and a later report of an
// older one never takes it back. (Following a renewal while one is tracked is a later feature.)
TEST_F(ServiceCoreReportTest, OnlyTheStoreUsersReportGivesAMachineCredentialItsCertificate) {
    fs::path site = write_report_site("alice");
    auto core = make(site);
    ASSERT_STARTED(core);
    const std::int64_t generation = core->row(kClientCert)["generation"].as_int64();
    const std::int64_t issued = core->row(kIssuance)["issued"].as_int64();
    ASSERT_TRUE(core->row(kClientCert)["certificate"].is_null());

    // bob is not the store user: nothing moves.
    test::TestCert current = client_cert(400, "1424");
    core->ok("report_certificates",
             {{"certificates", json::array{der_record(current.der(), "client1424.p12", "file")}}},
             bob_);
    json::object untouched = core->row(kClientCert);
    EXPECT_TRUE(untouched["certificate"].is_null()) << json::serialize(untouched);
    EXPECT_EQ(untouched["generation"].as_int64(), generation);

    // alice is: her certificate is the credential's, with its real deadline.
    core->ok("report_certificates",
             {{"certificates", json::array{der_record(current.der(), "client1424.p12", "file")}}},
             alice_);
    json::object row = core->row(kClientCert);
    EXPECT_EQ(str(row["state"]), "ok") << json::serialize(row);
    ASSERT_TRUE(row["certificate"].is_object()) << json::serialize(row);
    EXPECT_EQ(str(row["certificate"].at("sha256")), test::sha256_hex(current.der()));
    const std::int64_t tracked_generation = row["generation"].as_int64();

    // A later report of an older certificate instead does not move it back.
    test::TestCert older = client_cert(100, "1422");
    core->ok("report_certificates",
             {{"certificates", json::array{der_record(older.der(), "client1422.p12", "file"),
                                           der_record(current.der(), "client1424.p12", "file")}}},
             alice_);
    json::object after = core->row(kClientCert);
    EXPECT_EQ(after["generation"].as_int64(), tracked_generation);
    EXPECT_EQ(str(after["certificate"].at("sha256")), test::sha256_hex(current.der()));
    // store_user names the client certificate's user only: the quota is not hers.
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), issued);
}

TEST_F(ServiceCoreReportTest, StaffBindOnlyACertificateTheyReportedThemselves) {
    fs::path site = write_report_site();
    test::TestCert scanned = client_cert(20, "1423");
    write_p12(scanned);
    auto core = make(site);
    ASSERT_STARTED(core);
    test::TestCert alices = client_cert(300, "a11c");
    const std::string sha = test::sha256_hex(alices.der());
    core->ok("report_certificates", {{"certificates", json::array{der_record(alices.der())}}},
             alice_);

    json::object refused =
        core->request("bind", {{"sha256", sha}, {"credential", kClientCert}}, bob_);
    EXPECT_EQ(Core::code_of(refused), "permission_denied") << json::serialize(refused);
    EXPECT_NE(Core::message_of(refused).find("reported"), std::string::npos);
    // Nor the machine's own certificate.
    EXPECT_EQ(core->error(
                  "bind",
                  {{"sha256", test::sha256_hex(scanned.der())}, {"credential", kClientCert}}, bob_),
              "permission_denied");
    // alice may bind hers; an administrator may bind any.
    core->ok("bind", {{"sha256", sha}, {"credential", kClientCert}}, alice_);
    core->ok("bind", {{"sha256", sha}, {"credential", kClientCert}}, kAdmin);
}

// --- the issuance ledger -----------------------------------------------------------------------

// A Soliton-like chain: a private CA issues the client certificate whose subject names the
// account 04500001, and a renewal a year later; the certificates lie in a scanned folder.
class ServiceCoreIssuanceLedgerTest : public ServiceCoreCertificateTest {
  protected:
    fs::path write_ledger_site(std::string_view extra = {}) {
        fs::path site = write_site();
        std::string text = test::read_file(site);
        text += fmt::format(
            "\n[[credential]]\n"
            "id = \"cancer-registry/certificate-issuance\"\n"
            "system = \"cancer-registry\"\n"
            "kind = \"certificate-issuance\"\n"
            "account = \"04500001\"\n{}\n"
            "[kind.\"cancer-registry/service-certificate\"]\n"
            "match = {{ subject_contains = [\"04500001\"] }}\n",
            extra);
        write_file(site, text);
        return site;
    }

    test::TestCert service_cert(const std::string& serial) {
        test::CertSpec spec;
        spec.common_name = "04500001";
        spec.organization = "Soliton-like clinic";
        spec.serial_hex = serial;
        spec.key_usage = {"digitalSignature"};
        spec.not_before = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() - 1h);
        spec.not_after =
            std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() + 365 * 24h);
        return test::make_issued(spec, ca_);
    }

    json::array ledger(Core& core, const Peer& peer = kAdmin) {
        return core.ok("issuances", {{"credential", kIssuance}}, peer)["issuances"].as_array();
    }

    test::TestCert ca_ = [] {
        test::CertSpec spec;
        spec.common_name = "Soliton-like private CA";
        spec.is_ca = true;
        spec.key_usage = {"keyCertSign", "cRLSign"};
        return test::make_self_signed(spec);
    }();
};

TEST_F(ServiceCoreIssuanceLedgerTest,
       ACertificateIsOneIssuanceEvenAfterItsDeletionAndAReissueAddsOne) {
    auto core = make(write_ledger_site());
    ASSERT_STARTED(core);
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 0);

    // A person records the issuance, then the certificate shows up: one row, linked.
    core->ok("record_issuance", {{"credential", kIssuance}});
    clock_.advance(2h);
    test::TestCert first = service_cert("1001");
    write_file(certs() / "service.pem", first.pem());
    core->ok("rescan");
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 1);
    json::array rows = ledger(*core);
    ASSERT_EQ(rows.size(), 1u) << json::serialize(rows);
    EXPECT_EQ(str(rows[0].at("how")), "recorded");
    EXPECT_EQ(str(rows[0].at("certificate_sha256")), test::sha256_hex(first.der()));
    EXPECT_NE(str(rows[0].at("subject")).find("04500001"), std::string::npos);

    // Deleted in KeyManager: the count stays.
    fs::remove(certs() / "service.pem");
    core->ok("rescan");
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 1);
    EXPECT_EQ(ledger(*core).size(), 1u);

    // A year later the renewal appears by itself: a seen row, the count rises.
    clock_.advance(365 * 24h);
    test::TestCert renewal = service_cert("1002");
    write_file(certs() / "service-2027.pem", renewal.pem());
    core->ok("rescan");
    core->ok("rescan");  // a second pass sees nothing new
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 2);
    rows = ledger(*core);
    ASSERT_EQ(rows.size(), 2u) << json::serialize(rows);
    EXPECT_EQ(str(rows[1].at("how")), "seen");
    EXPECT_EQ(str(rows[1].at("certificate_sha256")), test::sha256_hex(renewal.der()));
    EXPECT_TRUE(rows[1].at("own").as_bool());

    // Staff read the ledger, but not who recorded another user's row.
    const Peer alice{"alice", false, {}};
    json::array seen_by_alice = ledger(*core, alice);
    ASSERT_EQ(seen_by_alice.size(), 2u);
    EXPECT_EQ(str(rows[0].at("os_user")), "tester");
    EXPECT_EQ(str(seen_by_alice[0].at("os_user")), "");
    EXPECT_EQ(core->error("issuances", {{"credential", "nope/none"}}), "not_found");
}

TEST_F(ServiceCoreIssuanceLedgerTest, ASecondPcStartsAtTheAccountsCountFromTheSiteFile) {
    // The other PC's certificates: issued before this PC was set up, counted in the 3.
    test::TestCert old = service_cert("0999");
    write_file(certs() / "old.pem", old.pem());
    auto core = make(write_ledger_site("issued = 3"));
    ASSERT_STARTED(core);
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 3);
    core->ok("rescan");
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 3);
    // Stated by the call centre lower than that: refused, the count never falls.
    EXPECT_EQ(core->error("record_issuance", {{"credential", kIssuance}, {"total", 2}}),
              "invalid_argument");
    // One more issued here counts on top.
    clock_.advance(24h);
    write_file(certs() / "new.pem", service_cert("1000").pem());
    core->ok("rescan");
    EXPECT_EQ(core->row(kIssuance)["issued"].as_int64(), 4);
    json::array rows = ledger(*core);
    ASSERT_EQ(rows.size(), 3u) << json::serialize(rows);
    EXPECT_EQ(str(rows[0].at("how")), "seen");
    EXPECT_EQ(str(rows[1].at("how")), "stated");
    EXPECT_EQ(rows[1].at("total").as_int64(), 3);
    EXPECT_EQ(str(rows[2].at("how")), "seen");
}

TEST_F(ServiceCoreCertificateTest, ReloadWithAnInvalidSiteFileKeepsTheRunningConfiguration) {
    fs::path site = write_site();
    auto core = make(site);
    ASSERT_STARTED(core);
    const std::size_t credentials = core->svc().configuration().credentials.size();

    write_file(site, "[service]\nevaluate_every_minutes = \"often\"\n");
    auto st = core->svc().reload();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::catalog_invalid) << st.error().message;
    EXPECT_EQ(core->svc().configuration().credentials.size(), credentials);
    EXPECT_EQ(str(core->row(kPassword)["state"]), "unknown") << "still answering";

    write_site();
    write_file(site, test::read_file(site) +
                         "\n[[credential]]\nid = \"gtol/user-password\"\nsystem = \"gtol\"\n"
                         "kind = \"user-password\"\n");
    json::object reloaded = core->ok("reload");
    EXPECT_TRUE(reloaded["reloaded"].as_bool());
    EXPECT_EQ(str(core->row("gtol/user-password")["state"]), "unknown");
}

#ifndef _WIN32
// A link planted in a scanned folder (here to "/") is not followed: the service's inventory
// lists it as "skipped", and it is not an unreadable certificate for the system log (anyone who
// may write to the folder could flood the log with planted links).
TEST_F(ServiceCoreCertificateTest, ALinkInAScannedFolderIsListedAsSkippedNotLoggedAsUnreadable) {
    fs::path site = write_site();
    fs::create_directory_symlink("/", certs() / "root");
    auto log = std::make_shared<RecordingSystemLog>();
    auto core = make(site, log);
    ASSERT_STARTED(core);
    json::object rescan = core->ok("rescan");
    EXPECT_EQ(rescan["failures"].as_int64(), 1) << json::serialize(rescan);
    const json::object inventory = core->ok("inventory");
    ASSERT_EQ(inventory.at("failures").as_array().size(), 1u);
    const auto& failure = inventory.at("failures").as_array()[0].as_object();
    EXPECT_EQ(str(failure.at("path")), (certs() / "root").string());
    EXPECT_EQ(str(failure.at("code")), "skipped");
    EXPECT_TRUE(log->texts(events::kCertificateUnreadable).empty());
}
#endif

// The folder scan runs off the io thread: while a rescan's scan is held on the worker (the
// hook stands for a huge folder), `status` on another connection is answered, over the real
// IPC server. Rescans asked for meanwhile are queued into ONE next scan, and every rescan is
// answered with its counts once its scan is evaluated.
TEST_F(ServiceCoreCertificateTest, AFolderScanDoesNotBlockOtherRequestsAndRescansQueueIntoOne) {
    fs::path site = write_site();
    write_p12(client_cert(200, "1423"));
    write_file(certs() / "client1423.pass", "secret\n");
    auto core = make(site);
    ASSERT_STARTED(core);

    std::mutex mutex;
    std::condition_variable changed;
    int scans_started = 0;
    bool released = false;
    core->svc().set_scan_hook([&] {
        std::unique_lock lock(mutex);
        ++scans_started;
        changed.notify_all();
        // Never forever: a regression (the scan on the io thread) fails the test below.
        changed.wait_for(lock, 30s, [&] { return released; });
    });
    const auto release = [&] {
        std::lock_guard lock(mutex);
        released = true;
        changed.notify_all();
    };
    std::thread io_thread([&] {
        auto work = boost::asio::make_work_guard(core->io());
        core->io().restart();
        core->io().run();
    });
    struct Stop {
        std::function<void()> stop;
        ~Stop() { stop(); }
    } stop{[&] {
        release();
        core->io().stop();
        if (io_thread.joinable()) io_thread.join();
    }};

    const auto rescan_on_its_own_connection = [&] {
        return std::async(std::launch::async, [&]() -> Result<json::value> {
            auto client = IpcClient::connect(data());
            if (!client) return client.error();
            return (*client)->call("rescan", {}, 60s);
        });
    };
    const auto expected_certificates = [&] {
        std::promise<std::int64_t> answer;
        boost::asio::post(core->io(), [&] {
            auto entries = core->svc().store().inventory();
            answer.set_value(entries ? static_cast<std::int64_t>(entries->size()) : -1);
        });
        return answer.get_future().get();
    }();
    auto first = rescan_on_its_own_connection();
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(changed.wait_for(lock, 20s, [&] { return scans_started == 1; }))
            << "the rescan's scan did not start";
    }
    auto second = rescan_on_its_own_connection();
    auto third = rescan_on_its_own_connection();

    // The scan is held; another connection is still served.
    auto other = IpcClient::connect(data());
    ASSERT_TRUE(other) << other.error().message;
    auto status = (*other)->call("status", {}, 5s);
    ASSERT_TRUE(status) << "status was not answered while a scan ran: " << status.error().message;
    EXPECT_TRUE(status->as_object().contains("credentials"));
    EXPECT_EQ(first.wait_for(0s), std::future_status::timeout) << "rescan replied before its scan";
    // Both later rescans have reached the service and wait for the next scan (asked on the
    // io thread, which owns that state).
    const auto queued = [&] {
        std::promise<std::size_t> answer;
        boost::asio::post(core->io(),
                          [&] { answer.set_value(core->svc().queued_scan_requests()); });
        return answer.get_future().get();
    };
    for (int i = 0; i < 400 && queued() < 2; ++i) std::this_thread::sleep_for(50ms);
    ASSERT_EQ(queued(), 2u);
    release();

    for (auto* pending : {&first, &second, &third}) {
        ASSERT_EQ(pending->wait_for(60s), std::future_status::ready);
        auto reply = pending->get();
        ASSERT_TRUE(reply) << reply.error().message;
        // The file in the folder, plus on Windows the machine stores' certificates.
        EXPECT_EQ(reply->as_object().at("certificates").as_int64(), expected_certificates)
            << json::serialize(*reply);
        EXPECT_TRUE(reply->as_object().contains("failures"));
        EXPECT_TRUE(reply->as_object().contains("reminders_raised"));
    }
    std::lock_guard lock(mutex);
    EXPECT_LE(scans_started, 2) << "rescans during a scan share one next scan";
    EXPECT_GE(scans_started, 2) << "a rescan during a scan gets a scan of its own after it";
}

}  // namespace

// --- one evaluation pass -------------------------------------------------------------------

TEST_F(ServiceCoreCertificateTest, AChangeOverIpcDoesNotRescanTheFoldersButARescanDoes) {
    const fs::path metrics = dir_ / "credwatch.prom";
    fs::path site = write_site();
    write_file(site,
               test::read_file(site) + "\n[metrics]\ntextfile = '" + metrics.string() + "'\n");
    auto core = make(site);
    ASSERT_STARTED(core);
    EXPECT_EQ(str(core->row(kClientCert)["state"]), "unknown") << "no certificate yet";
    // Windows: the machine's own stores are in the inventory too.
    const std::size_t known = core->ok("inventory")["certificates"].as_array().size();

    // A certificate that appears after start is not seen by a change recorded over IPC ...
    write_p12(client_cert(200, "1423"));
    core->ok("record_renewal", {{"credential", kPassword}});
    EXPECT_EQ(str(core->row(kClientCert)["state"]), "unknown");
    EXPECT_EQ(core->ok("inventory")["certificates"].as_array().size(), known);

    // ... but by a rescan, which the periodic, start, reload and clock passes also do.
    core->ok("rescan");
    EXPECT_EQ(str(core->row(kClientCert)["state"]), "ok");
    EXPECT_EQ(core->ok("inventory")["certificates"].as_array().size(), known + 1);

    // One pass: the rows it returns are the ones the metrics were written from.
    auto pass = core->svc().run_pass(Scan::none);
    ASSERT_TRUE(pass) << pass.error().message;
    const std::string text = test::read_file(metrics);
    ASSERT_EQ(pass->rows.size(), 2u);
    for (const StatusRow& row : pass->rows) {
        const std::string labels = fmt::format(
            "credential=\"{}\",system=\"{}\",kind=\"{}\",owner=\"{}\",site_id=\"{}\"", row.id,
            row.system, row.kind, row.owner, escape_label_value(platform::machine_name()));
        EXPECT_NE(text.find(fmt::format("credwatch_credential_state{{{},state=\"{}\"}} 1\n", labels,
                                        to_string(row.state))),
                  std::string::npos)
            << row.id << " in:\n"
            << text;
        if (row.days_left) {
            EXPECT_NE(text.find(fmt::format("credwatch_credential_day_left{{{}}} {}\n", labels,
                                            *row.days_left)),
                      std::string::npos)
                << row.id << " in:\n"
                << text;
        }
    }
    EXPECT_NE(text.find(fmt::format(
                  "credwatch_last_evaluation_timestamp_seconds {}\n",
                  std::chrono::floor<std::chrono::seconds>(pass->at.time_since_epoch()).count())),
              std::string::npos);
}

// --- the request table ---------------------------------------------------------------------

TEST_F(ServiceCoreTest, EveryMethodIsListedOnceAndAdministratorMethodsAreRefusedToOthers) {
    std::set<std::string_view> names;
    for (const auto& method : api::methods()) {
        EXPECT_TRUE(names.insert(method.name).second) << method.name << " is listed twice";
        EXPECT_NE(method.handler, nullptr) << method.name;
    }
    EXPECT_EQ(api::find_method("reload")->privilege, api::Privilege::administrator);

    auto core = make();
    ASSERT_STARTED(core);
    const Peer staff{"suzuki", false, {}};
    for (const auto& method : api::methods()) {
        if (method.privilege != api::Privilege::administrator) continue;
        json::object reply = core->request(method.name, {}, staff);
        EXPECT_EQ(Core::code_of(reply), "permission_denied") << method.name;
        EXPECT_NE(Core::message_of(reply).find("administrator"), std::string::npos) << method.name;
    }
    EXPECT_EQ(core->error("no_such_method", {}, staff), "protocol_error");
    EXPECT_EQ(core->error("no_such_method"), "protocol_error");
}

// --- the clock watchdog --------------------------------------------------------------------

TEST(ClockWatchdog, AJumpOfTheWallClockAndANewLocalDayAreReported) {
    boost::asio::io_context io;
    ManualClock clock{local_midnight(kToday) + 23h + 58min};
    std::vector<std::string> heard;
    ClockWatchdog watchdog(io, clock, [&](std::string_view why) { heard.emplace_back(why); });
    auto steady = std::chrono::steady_clock::time_point{} + 1000h;
    watchdog.reset(steady);

    // Both clocks move by a minute: nothing to say.
    clock.advance(1min);
    steady += 1min;
    watchdog.check(steady);
    EXPECT_TRUE(heard.empty());

    // Midnight passes at the same pace: a new day.
    clock.advance(1min);
    steady += 1min;
    watchdog.check(steady);
    EXPECT_EQ(heard, std::vector<std::string>{"new day"});

    // The wall clock moves a day in a minute, forwards then back: two jumps.
    clock.advance(24h);
    steady += 1min;
    watchdog.check(steady);
    clock.advance(-24h);
    steady += 1min;
    watchdog.check(steady);
    EXPECT_EQ(heard, (std::vector<std::string>{"new day", "clock jump", "clock jump"}));

    // Within the tolerance a slow adjustment is no jump.
    clock.advance(1min + 90s);
    steady += 1min;
    watchdog.check(steady);
    EXPECT_EQ(heard.size(), 3u);
}

// The heartbeat the tray checks: the last completed pass and the interval, in every status.
TEST_F(ServiceCoreTest, StatusCarriesTheLastCompletedEvaluationForTheTraysHeartbeat) {
    auto core = make();
    ASSERT_STARTED(core);
    json::object status = core->ok("status");
    ASSERT_TRUE(status.contains("evaluation")) << json::serialize(status);
    json::object evaluation = status["evaluation"].as_object();
    EXPECT_EQ(str(evaluation["last"]), str(status["now"])) << "start-up evaluated before listening";
    ASSERT_TRUE(evaluation["every_minutes"].is_int64());
    EXPECT_GE(evaluation["every_minutes"].as_int64(), 1);

    clock_.advance(3h);  // no timer ran: the last pass is three hours old
    json::object later = core->ok("status")["evaluation"].as_object();
    EXPECT_EQ(str(later["last"]), str(evaluation["last"]));
    ASSERT_TRUE(core->svc().evaluate_now());
    json::object after = core->ok("status");
    EXPECT_EQ(str(after["evaluation"].as_object()["last"]), str(after["now"]));
}

// --- the service certificate: candidates, a learnt match, renewals followed -----------------

class ServiceCoreDiscoveryTest : public ServiceCoreReportTest {
  protected:
    fs::path write_discovery_site() {
        fs::path site = write_site();
        std::string text = test::read_file(site);
        text +=
            "\n[[credential]]\n"
            "id = \"cancer-registry/certificate-issuance\"\n"
            "system = \"cancer-registry\"\n"
            "kind = \"certificate-issuance\"\n";
        write_file(site, text);
        return site;
    }

    void add_service_certificate(Core& core, const std::string& owner) {
        core.ok("add", {{"credential", owner + "/service-certificate"},
                        {"system", "cancer-registry"},
                        {"kind", "service-certificate"},
                        {"owner", owner}});
    }

    // A Soliton-like client certificate: the private CA's, for the account, clientAuth.
    test::TestCert registry_cert(const std::string& cn, const std::string& serial, int from_days,
                                 int to_days, std::vector<std::string> eku = {"clientAuth"}) {
        test::CertSpec spec;
        spec.common_name = cn;
        spec.organization = "Clinic";
        spec.serial_hex = serial;
        spec.key_usage = {"digitalSignature", "keyEncipherment"};
        spec.extended_key_usage = std::move(eku);
        spec.not_before =
            std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() + from_days * 24h);
        spec.not_after =
            std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() + to_days * 24h);
        return test::make_issued(spec, ca_);
    }

    std::vector<std::string> candidate_shas(Core& core, const Peer& peer) {
        json::object reply = core.ok(
            "candidates", {{"system", "cancer-registry"}, {"kind", "service-certificate"}}, peer);
        std::vector<std::string> out;
        for (const auto& k : reply["kinds"].as_array())
            for (const auto& c : k.at("candidates").as_array()) out.push_back(str(c.at("sha256")));
        return out;
    }

    test::TestCert ca_ = test::make_self_signed({.common_name = "Registry Private CA",
                                                 .organization = "Soliton-like",
                                                 .is_ca = true,
                                                 .key_usage = {"keyCertSign", "cRLSign"}});
};

TEST_F(ServiceCoreDiscoveryTest,
       AConfirmedCertificateTeachesTheMatchAndRenewalsFollowByThemselves) {
    auto core = make(write_discovery_site());
    ASSERT_STARTED(core);
    add_service_certificate(*core, "alice");
    add_service_certificate(*core, "bob");

    test::TestCert alices = registry_cert("04500001", "a1", -30, 335);
    test::TestCert server = registry_cert("clinic.example", "5e", -30, 335, {"serverAuth"});
    test::TestCert stale = registry_cert("04500001", "01", -800, -400);
    const std::string alice_sha = test::sha256_hex(alices.der());
    core->ok("report_certificates",
             {{"certificates", json::array{der_record(alices.der()), der_record(ca_.der()),
                                           der_record(server.der()), der_record(stale.der())}}},
             alice_);
    // Not found by itself: the catalog names no issuer. Only the client certificate is a
    // candidate (not the CA, the server certificate or the one expired over a year ago).
    EXPECT_TRUE(core->row("alice/service-certificate")["certificate"].is_null());
    EXPECT_EQ(candidate_shas(*core, alice_), std::vector<std::string>{alice_sha});

    json::object bound = core->ok(
        "bind", {{"sha256", alice_sha}, {"credential", "alice/service-certificate"}}, alice_);
    ASSERT_TRUE(bound["learnt"].is_object()) << json::serialize(bound);
    EXPECT_EQ(str(bound["learnt"].at("subject_contains")), "04500001");
    EXPECT_NE(str(bound["learnt"].at("issuer")).find("Registry Private CA"), std::string::npos);
    json::object row = core->row("alice/service-certificate");
    ASSERT_TRUE(row["certificate"].is_object()) << json::serialize(row);
    EXPECT_EQ(str(row["certificate"].at("sha256")), alice_sha);
    EXPECT_EQ(str(row["state"]), "ok");
    const std::int64_t generation = row["generation"].as_int64();
    json::object listed = core->ok("list");
    ASSERT_EQ(listed["learnt_matches"].as_array().size(), 1U) << json::serialize(listed);
    EXPECT_TRUE(candidate_shas(*core, alice_).empty()) << "the kind's match is learnt";

    // bob's certificate from the same CA for the same account is found without a click.
    test::TestCert bobs = registry_cert("04500001 bob", "b1", -10, 355);
    core->ok("report_certificates", {{"certificates", json::array{der_record(bobs.der())}}}, bob_);
    json::object bob_row = core->row("bob/service-certificate");
    ASSERT_TRUE(bob_row["certificate"].is_object()) << json::serialize(bob_row);
    EXPECT_EQ(str(bob_row["certificate"].at("sha256")), test::sha256_hex(bobs.der()));

    // A year later alice's renewal appears beside the old one: the credential follows it, a
    // new generation, and the old certificate stays listed as replaced.
    clock_.advance(std::chrono::days(330));
    test::TestCert renewal = registry_cert("04500001", "a2", -1, 365);
    const std::string renewal_sha = test::sha256_hex(renewal.der());
    core->ok("report_certificates",
             {{"certificates", json::array{der_record(alices.der()), der_record(renewal.der())}}},
             alice_);
    json::object renewed = core->row("alice/service-certificate");
    EXPECT_EQ(str(renewed["certificate"].at("sha256")), renewal_sha) << json::serialize(renewed);
    EXPECT_EQ(renewed["generation"].as_int64(), generation + 1);
    auto old = inventory_records(*core, alice_sha);
    ASSERT_EQ(old.size(), 1U);
    EXPECT_EQ(str(old[0]["replaced_by"]), renewal_sha);
    EXPECT_TRUE(inventory_records(*core, renewal_sha).at(0)["replaced_by"].is_null());

    // Only an administrator resets the learnt match.
    EXPECT_EQ(core->error("reset_match",
                          {{"system", "cancer-registry"}, {"kind", "service-certificate"}}, alice_),
              "permission_denied");
    json::object reset =
        core->ok("reset_match", {{"system", "cancer-registry"}, {"kind", "service-certificate"}});
    EXPECT_TRUE(reset["reset"].as_bool());
    EXPECT_TRUE(core->ok("list")["learnt_matches"].as_array().empty());
    EXPECT_EQ(candidate_shas(*core, kAdmin).size(), 0U) << "every certificate is tracked";
}

// The issuance quota counts the certificates its kind's learnt match finds (the catalog names no
// issuer for the service certificate): alice's store holds the clinic's issuances.
TEST_F(ServiceCoreDiscoveryTest, TheIssuanceCountSeesCertificatesFoundByTheLearntMatch) {
    fs::path site = write_discovery_site();
    write_file(site, test::read_file(site) + "store_user = \"alice\"\n");
    auto core = make(site);
    ASSERT_STARTED(core);
    add_service_certificate(*core, "alice");
    const std::string quota = "cancer-registry/certificate-issuance";
    test::TestCert first = registry_cert("04500001", "c1", -30, 335);
    core->ok("report_certificates", {{"certificates", json::array{der_record(first.der())}}},
             alice_);
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 0) << "nothing is known to be one yet";
    core->ok(
        "bind",
        {{"sha256", test::sha256_hex(first.der())}, {"credential", "alice/service-certificate"}},
        alice_);
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 1);
    // The renewal a year later is a second issuance, found without a click.
    clock_.advance(std::chrono::days(330));
    test::TestCert renewal = registry_cert("04500001", "c2", -1, 365);
    core->ok("report_certificates",
             {{"certificates", json::array{der_record(first.der()), der_record(renewal.der())}}},
             alice_);
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 2);
}

// A fresh install: the quota is the machine's, the service certificates are in each user's own
// store. What the users' credentials track is the clinic's issuances, and stays counted.
TEST_F(ServiceCoreDiscoveryTest, EveryUsersServiceCertificateIsAnIssuanceOfTheClinicsQuota) {
    auto core = make(write_discovery_site());
    ASSERT_STARTED(core);
    add_service_certificate(*core, "alice");
    add_service_certificate(*core, "bob");
    const std::string quota = "cancer-registry/certificate-issuance";
    test::TestCert alices = registry_cert("04500001", "d1", -30, 335);
    core->ok("report_certificates", {{"certificates", json::array{der_record(alices.der())}}},
             alice_);
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 0) << "a candidate is not yet an issuance";
    core->ok(
        "bind",
        {{"sha256", test::sha256_hex(alices.der())}, {"credential", "alice/service-certificate"}},
        alice_);
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 1);
    test::TestCert bobs = registry_cert("04500001 bob", "d2", -10, 355);
    core->ok("report_certificates", {{"certificates", json::array{der_record(bobs.der())}}}, bob_);
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 2) << "found without a click, counted";
    // bob deletes his certificate: the issuance is not given back.
    core->ok("report_certificates", {{"certificates", json::array{}}}, bob_);
    EXPECT_TRUE(core->row("bob/service-certificate")["certificate"].is_null());
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 2);
    clock_.advance(std::chrono::days(330));
    test::TestCert renewal = registry_cert("04500001", "d3", -1, 365);
    core->ok("report_certificates",
             {{"certificates", json::array{der_record(alices.der()), der_record(renewal.der())}}},
             alice_);
    EXPECT_EQ(core->row(quota)["issued"].as_int64(), 3);
}

// A total the call centre states says nothing of when the last certificate was issued: no
// estimated deadline comes of it, only of an issuance a person records.
TEST_F(ServiceCoreDiscoveryTest, AStatedTotalGivesNoEstimatedDeadline) {
    auto core = make(write_discovery_site());
    ASSERT_STARTED(core);
    add_service_certificate(*core, "alice");
    core->ok("record_issuance",
             {{"credential", "cancer-registry/certificate-issuance"}, {"total", 3}});
    json::object row = core->row("alice/service-certificate");
    EXPECT_FALSE(row["estimated"].as_bool()) << json::serialize(row);
    EXPECT_TRUE(row["deadline"].is_null()) << json::serialize(row);
}

TEST_F(ServiceCoreDiscoveryTest, ARecordedIssuanceEstimatesTheDeadlineUntilACertificateIsBound) {
    auto core = make(write_discovery_site());
    ASSERT_STARTED(core);
    add_service_certificate(*core, "alice");
    json::object before = core->row("alice/service-certificate");
    EXPECT_TRUE(before["deadline"].is_null());
    EXPECT_FALSE(before["estimated"].as_bool());

    core->ok("record_issuance", {{"credential", "cancer-registry/certificate-issuance"}});
    json::object estimated = core->row("alice/service-certificate");
    EXPECT_TRUE(estimated["estimated"].as_bool()) << json::serialize(estimated);
    EXPECT_EQ(str(estimated["deadline"]), format_utc(clock_.now() + std::chrono::days(365)));
    EXPECT_EQ(str(estimated["state"]), "ok");

    test::TestCert alices = registry_cert("04500001", "a1", 0, 200);
    const std::string sha = test::sha256_hex(alices.der());
    core->ok("report_certificates", {{"certificates", json::array{der_record(alices.der())}}},
             alice_);
    core->ok("bind", {{"sha256", sha}, {"credential", "alice/service-certificate"}}, alice_);
    json::object real = core->row("alice/service-certificate");
    EXPECT_FALSE(real["estimated"].as_bool());
    EXPECT_EQ(str(real["deadline"]), format_utc(std::chrono::time_point_cast<std::chrono::seconds>(
                                         clock_.now() + std::chrono::days(200))));
}
