// Who may do what through the IPC (docs/security.md): administrators (Peer::privileged) and
// staff, every other local user. ServiceCore in-process on a real SQLite file, requests through
// handle_line() as the IPC server passes them, with the peer the OS would have named.

#include "service_core.hpp"

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/notify/event_ids.hpp"
#include "credwatch/notify/system_log.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace credwatch;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;
using credwatch::test::TempDir;
using credwatch::test::write_file;

namespace {

const Peer kAdmin{"tester", true, {}};
const Peer kAlice{"alice", false, {}};
const Peer kBob{"bob", false, {}};

const char* const kPassword = "cancer-registry/user-password";
const char* const kIssuance = "cancer-registry/certificate-issuance";

const Date kToday = std::chrono::year{2026} / std::chrono::March / 10;

TimePoint noon(Date d) {
    return local_midnight(d) + 12h;
}

std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : "";
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

class RecordingSystemLog final : public SystemLog {
  public:
    void reminder(const Reminder&, std::string_view) override {}
    void failure(int event_id, std::string_view text) override {
        if (event_id == events::kStaffChange) staff_changes.emplace_back(text);
    }
    std::vector<std::string> staff_changes;
};

class Core {
  public:
    Core(const fs::path& data_dir, const Clock& clock, const fs::path& site,
         std::shared_ptr<SystemLog> log)
        : core_(io_, options(data_dir, site, std::move(log)), clock) {}

    ServiceCore& svc() { return core_; }

    json::object request(std::string_view method, json::object params, const Peer& peer) {
        json::object req{{"v", 1}, {"id", ++next_id_}, {"method", method}, {"params", params}};
        HandlerReply reply = core_.handle_line(json::serialize(req), peer);
        boost::system::error_code ec;
        json::value v = json::parse(reply.line, ec);
        if (ec || !v.is_object()) {
            ADD_FAILURE() << "reply is not a JSON object: " << reply.line;
            return {};
        }
        return v.as_object();
    }

    json::object ok(std::string_view method, json::object params, const Peer& peer = kAdmin) {
        json::object reply = request(method, std::move(params), peer);
        const auto* result = reply.if_contains("result");
        if (!result || !result->is_object()) {
            ADD_FAILURE() << method << " failed: " << json::serialize(reply);
            return {};
        }
        return result->as_object();
    }

    // {code, message} of a request expected to fail; code "(success)" when it did not.
    std::pair<std::string, std::string> fail(std::string_view method, json::object params,
                                             const Peer& peer) {
        json::object reply = request(method, std::move(params), peer);
        const auto* e = reply.if_contains("error");
        if (!e || !e->is_object()) return {"(success)", json::serialize(reply)};
        return {str(e->as_object().at("code")), str(e->as_object().at("message"))};
    }

    std::string code(std::string_view method, json::object params, const Peer& peer) {
        return fail(method, std::move(params), peer).first;
    }

    bool lists(std::string_view id) {
        json::object listed = ok("list", {});
        for (const auto& r : listed["credentials"].as_array())
            if (str(r.at("id")) == id) return true;
        return false;
    }

    // The id of the reminder the last change raised for `credential`.
    std::int64_t reminder_of(std::string_view credential) {
        json::object all = ok("reminders", {{"all", true}});
        std::int64_t id = 0;
        for (const auto& r : all["reminders"].as_array())
            if (str(r.at("credential")) == credential) id = r.at("id").as_int64();
        EXPECT_NE(id, 0) << "no reminder for " << credential << ": " << json::serialize(all);
        return id;
    }

  private:
    static ServiceOptions options(const fs::path& data_dir, const fs::path& site,
                                  std::shared_ptr<SystemLog> log) {
        ServiceOptions o;
        o.data_dir = data_dir;
        o.site_file = site;
        o.console = nullptr;
        o.system_log = log ? std::move(log) : make_null_system_log();
        return o;
    }

    boost::asio::io_context io_;
    ServiceCore core_;
    std::int64_t next_id_ = 0;
};

class AuthorizationTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { spdlog::set_level(spdlog::level::err); }

    std::unique_ptr<Core> start(const fs::path& site = {}) {
        auto core = std::make_unique<Core>(dir_ / "data", clock_, site, log_);
        auto st = core->svc().start();
        EXPECT_TRUE(st) << (st ? "" : st.error().message);
        return core;
    }

    // A machine password changed 50 days ago: its d14 reminder is raised.
    std::int64_t machine_reminder(Core& core) {
        core.ok("record_renewal",
                {{"credential", kPassword}, {"on", format_date(add_days(kToday, -50))}});
        return core.reminder_of(kPassword);
    }

    TempDir dir_{"cw-authz"};
    ManualClock clock_{noon(kToday)};
    std::shared_ptr<RecordingSystemLog> log_ = std::make_shared<RecordingSystemLog>();
};

// --- machine credentials are the administrators' -------------------------------------------

TEST_F(AuthorizationTest, StaffCannotRemoveAMachineCredentialAndItStaysTracked) {
    {
        auto core = start();
        auto [code, message] = core->fail("remove", {{"credential", kPassword}}, kAlice);
        EXPECT_EQ(code, "permission_denied");
        EXPECT_TRUE(contains(message, "administrator")) << message;
        EXPECT_TRUE(contains(message, kPassword)) << message;
        EXPECT_TRUE(core->lists(kPassword));
        // A user called "machine" owns no machine credential.
        EXPECT_EQ(core->code("remove", {{"credential", kPassword}}, Peer{"machine", false, {}}),
                  "permission_denied");
    }
    // No tombstone either: a restart seeds it from the site file as before.
    auto again = start();
    EXPECT_TRUE(again->lists(kPassword));
    // An administrator may.
    again->ok("remove", {{"credential", kPassword}});
    EXPECT_FALSE(again->lists(kPassword));
}

TEST_F(AuthorizationTest, StaffCannotAddAMachineCredentialButMayAddTheirOwn) {
    auto core = start();
    const json::object machine{
        {"credential", "gtol/second-password"}, {"system", "gtol"}, {"kind", "user-password"}};
    auto [code, message] = core->fail("add", machine, kAlice);
    EXPECT_EQ(code, "permission_denied") << "a machine kind defaults to owner \"machine\"";
    EXPECT_TRUE(contains(message, "administrator")) << message;
    json::object explicit_machine = machine;
    explicit_machine["owner"] = "machine";
    EXPECT_EQ(core->code("add", explicit_machine, kAlice), "permission_denied");
    EXPECT_FALSE(core->lists("gtol/second-password"));

    json::object hers = machine;
    hers["owner"] = "alice";
    EXPECT_EQ(str(core->ok("add", hers, kAlice)["owner"]), "alice");
    // And she may remove her own again.
    core->ok("remove", {{"credential", "gtol/second-password"}}, kAlice);
    EXPECT_FALSE(core->lists("gtol/second-password"));
}

// --- the snooze window ---------------------------------------------------------------------

TEST_F(AuthorizationTest, StaffSnoozeIsBoundedToThirtyDaysByUntilAndByDays) {
    auto core = start();
    const std::int64_t id = machine_reminder(*core);

    auto [code, message] =
        core->fail("snooze", {{"reminder", id}, {"until", "2199-12-31"}}, kAlice);
    EXPECT_EQ(code, "permission_denied");
    EXPECT_TRUE(contains(message, "30 days")) << message;
    EXPECT_TRUE(contains(message, "staff_snooze_max_days")) << message;

    auto [days_code, days_message] =
        core->fail("snooze", {{"reminder", id}, {"days", 365}}, kAlice);
    EXPECT_EQ(days_code, "permission_denied");
    EXPECT_TRUE(contains(days_message, "30 days")) << days_message;
    EXPECT_EQ(core->code("snooze", {{"reminder", id}, {"days", 31}}, kAlice), "permission_denied");
    EXPECT_EQ(
        core->code("snooze",
                   {{"reminder", id}, {"until", format_utc(clock_.now() + 30 * 24h + 1s)}}, kAlice),
        "permission_denied");

    json::object snoozed = core->ok("snooze", {{"reminder", id}, {"days", 30}}, kAlice);
    EXPECT_EQ(str(snoozed["snoozed_until"]), format_utc(clock_.now() + 30 * 24h));
    core->ok("snooze", {{"reminder", id}, {"until", format_date(add_days(kToday, 30))}}, kAlice);

    // The window is measured from now: ten days later, 35 days after the first day fits.
    clock_.advance(10 * 24h);
    core->ok("snooze", {{"reminder", id}, {"until", format_date(add_days(kToday, 35))}}, kAlice);

    // An administrator may hide it longer.
    core->ok("snooze", {{"reminder", id}, {"until", "2199-12-31"}});
}

TEST_F(AuthorizationTest, TheSiteSetsTheStaffSnoozeWindowAndABadValueIsRefusedByName) {
    const fs::path site = dir_ / "site.toml";
    const std::string credential =
        "[[credential]]\nid = \"cancer-registry/user-password\"\n"
        "system = \"cancer-registry\"\nkind = \"user-password\"\n";
    write_file(site, "[service]\nstaff_snooze_max_days = 7\n\n" + credential);
    {
        auto core = start(site);
        const std::int64_t id = machine_reminder(*core);
        auto [code, message] = core->fail("snooze", {{"reminder", id}, {"days", 8}}, kAlice);
        EXPECT_EQ(code, "permission_denied");
        EXPECT_TRUE(contains(message, "7 days")) << message;
        core->ok("snooze", {{"reminder", id}, {"days", 7}}, kAlice);
    }
    for (const char* bad : {"0", "366", "\"30\""}) {
        SCOPED_TRACE(bad);
        write_file(site,
                   std::string("[service]\nstaff_snooze_max_days = ") + bad + "\n\n" + credential);
        Core core(dir_ / "data", clock_, site, log_);
        auto st = core.svc().start();
        ASSERT_FALSE(st);
        EXPECT_TRUE(contains(st.error().message, "staff_snooze_max_days")) << st.error().message;
    }
}

// --- the request table ---------------------------------------------------------------------

TEST_F(AuthorizationTest, EveryAdministratorRequestIsRefusedAndEveryStaffChangeChecksTheOwner) {
    auto core = start();
    core->ok("add", {{"credential", "bob/password"},
                     {"system", "cancer-registry"},
                     {"kind", "user-password"},
                     {"owner", "bob"}});
    core->ok("add", {{"credential", "bob/issuance"},
                     {"system", "cancer-registry"},
                     {"kind", "certificate-issuance"},
                     {"owner", "bob"}});
    core->ok("record_renewal",
             {{"credential", "bob/password"}, {"on", format_date(add_days(kToday, -50))}}, kBob);
    const std::int64_t bobs_reminder = core->reminder_of("bob/password");

    for (std::string_view name : {"outbox", "reload", "send_test_mail"})
        EXPECT_EQ(api::find_method(name)->privilege, api::Privilege::administrator) << name;

    // For each staff change: a request on bob's credential, which alice may not make.
    const std::map<std::string_view, json::object> on_bobs{
        {"record_renewal", {{"credential", "bob/password"}}},
        {"record_issuance", {{"credential", "bob/issuance"}}},
        {"add",
         {{"credential", "bob/another"},
          {"system", "cancer-registry"},
          {"kind", "user-password"},
          {"owner", "bob"}}},
        {"remove", {{"credential", "bob/password"}}},
        {"acknowledge", {{"reminder", bobs_reminder}}},
        {"snooze", {{"reminder", bobs_reminder}, {"days", 1}}},
        {"bind", {{"sha256", std::string(64, 'a')}, {"credential", "bob/password"}}},
    };
    for (const auto& method : api::methods()) {
        SCOPED_TRACE(std::string(method.name));
        switch (method.privilege) {
            case api::Privilege::administrator: {
                auto [code, message] = core->fail(method.name, {}, kAlice);
                EXPECT_EQ(code, "permission_denied");
                EXPECT_TRUE(contains(message, "administrator")) << message;
                break;
            }
            case api::Privilege::staff_change:
                if (method.name == "report_certificates") {
                    // No credential named: what alice reports is hers, whoever the message says.
                    json::object reported = core->ok(
                        method.name, {{"certificates", json::array{}}, {"owner", "bob"}}, kAlice);
                    EXPECT_EQ(str(reported["owner"]), "alice");
                } else if (auto it = on_bobs.find(method.name); it == on_bobs.end()) {
                    ADD_FAILURE() << "a staff_change request without a check in this test";
                } else {
                    EXPECT_EQ(core->code(method.name, it->second, kAlice), "permission_denied");
                }
                break;
            case api::Privilege::own_entries:
            case api::Privilege::anyone:
                break;
        }
    }
    // Nothing of bob's changed.
    EXPECT_TRUE(core->lists("bob/password"));
    EXPECT_FALSE(core->lists("bob/another"));
}

TEST_F(AuthorizationTest, StaffAreRefusedTheOutboxReloadAndTestMail) {
    auto core = start();
    for (std::string_view method : {"outbox", "reload", "send_test_mail"}) {
        SCOPED_TRACE(std::string(method));
        auto [code, message] = core->fail(method, {}, kAlice);
        EXPECT_EQ(code, "permission_denied");
        EXPECT_TRUE(contains(message, "only an administrator may")) << message;
    }
    core->ok("outbox", {});
}

TEST_F(AuthorizationTest, StaffSeeOnlyTheirOwnAuditEntriesRecordedUnderTheirOsName) {
    auto core = start();
    core->ok("add", {{"credential", "bob/password"},
                     {"system", "cancer-registry"},
                     {"kind", "user-password"},
                     {"owner", "bob"}});
    core->ok("record_renewal", {{"credential", "bob/password"}}, kBob);
    // Whatever the message claims, the OS user is the actor.
    core->ok("record_renewal",
             {{"credential", kPassword},
              {"client", "cli"},
              {"user", "tester"},
              {"os_user", "tester"},
              {"actor", "root"}},
             kAlice);

    json::object mine = core->ok("audit", {}, kAlice);
    ASSERT_FALSE(mine["audit"].as_array().empty());
    bool renewed = false;
    for (const auto& e : mine["audit"].as_array()) {
        EXPECT_EQ(str(e.at("os_user")), "alice") << json::serialize(e);
        if (str(e.at("target")) == kPassword && str(e.at("action")) == "renewed") {
            renewed = true;
            EXPECT_EQ(str(e.at("via")), "cli");
        }
    }
    EXPECT_TRUE(renewed) << json::serialize(mine);

    std::set<std::string> users;
    json::object everyone = core->ok("audit", {});
    for (const auto& e : everyone["audit"].as_array()) users.insert(str(e.at("os_user")));
    EXPECT_TRUE(users.count("tester") && users.count("bob") && users.count("alice"));
}

// --- ids, labels, document paths -----------------------------------------------------------

TEST_F(AuthorizationTest, BadIdsAndLabelsAreRefusedNamingTheParameter) {
    auto core = start();
    const json::object base{
        {"credential", "alice/ok"}, {"system", "cancer-registry"}, {"kind", "service-certificate"}};
    struct Case {
        const char* key;
        std::string value;
    };
    const std::vector<Case> bad{
        {"credential", "alice/x;rm -rf ~"},
        {"credential", "alice/$(id)"},
        {"credential", "alice/line\nbreak"},
        {"credential", "alice/" + std::string(123, 'x')},  // 129 bytes
        {"credential", ""},
        {"label", "\x1b[2Jcleared"},
        {"label", "tab\there"},
        {"label",
         "\xe2\x80\xae"
         "fdp.exe"},  // U+202E, right-to-left override
        {"label", std::string(257, 'a')},
        {"owner", "alice\r\nbob"},
    };
    for (const auto& c : bad) {
        SCOPED_TRACE(std::string(c.key) + " = " + c.value);
        json::object params = base;
        params[c.key] = c.value;
        auto [code, message] = core->fail("add", params, kAlice);
        EXPECT_EQ(code, "invalid_argument");
        EXPECT_TRUE(contains(message, std::string("parameter \"") + c.key + "\"")) << message;
        EXPECT_EQ(message.find_first_of("\n\r\x1b"), std::string::npos)
            << "the message shows the value escaped";
    }
    // The same checks on the other requests that carry an id.
    EXPECT_EQ(core->code("record_renewal", {{"credential", "x\x07"}}, kAlice), "invalid_argument");
    EXPECT_EQ(core->code("remove", {{"credential", std::string(200, 'a')}}, kAlice),
              "invalid_argument");
    EXPECT_EQ(core->code("bind", {{"sha256", "00"}, {"credential", "a b"}}, kAlice),
              "invalid_argument");

    // At the limits, and Japanese labels.
    json::object good = base;
    good["credential"] = "alice/" + std::string(122, 'x');  // 128 bytes
    std::string label;
    for (int i = 0; i < 85; ++i) label += "証";  // 255 bytes
    good["label"] = label;
    EXPECT_EQ(str(core->ok("add", good, kAlice)["label"]), label);
}

TEST_F(AuthorizationTest, TooLongOrStrangeIdsInTheSiteFileAreRefusedByName) {
    const fs::path site = dir_ / "site.toml";
    write_file(site, "[[credential]]\nid = \"cancer-registry/" + std::string(120, 'p') +
                         "\"\nsystem = \"cancer-registry\"\nkind = \"user-password\"\n");
    Core core(dir_ / "data", clock_, site, log_);
    auto st = core.svc().start();
    ASSERT_FALSE(st);
    EXPECT_TRUE(contains(st.error().message, "field \"id\" must be at most 128 bytes"))
        << st.error().message;
}

TEST_F(AuthorizationTest, AStaffDocumentPathMustBeALocalFileAndNotALink) {
    auto core = start();
    const fs::path docs = dir_ / "docs";
    fs::create_directories(docs);
    write_file(docs / "form.pdf", "%PDF-1.4\n");
    fs::last_write_time(docs / "form.pdf", std::chrono::file_clock::from_sys(clock_.now() - 24h));
    // Wine's file system has no symbolic links: the link case runs where they exist.
    std::error_code link_error;
    fs::create_symlink("/etc/shadow", docs / "link.pdf", link_error);

    auto add = [&](const std::string& id, const std::string& path, const Peer& peer) {
        return core->fail("add",
                          {{"credential", id},
                           {"system", "cancer-registry"},
                           {"kind", "e-filing-form"},
                           {"owner", peer.user},
                           {"document_path", path}},
                          peer);
    };
    for (const std::string bad :
         {"\\\\attacker.example\\share\\form.pdf", "//attacker.example/share/form.pdf",
          "\\\\?\\UNC\\attacker.example\\share\\form.pdf", "\\\\.\\PhysicalDrive0",
          "\\\\?\\C:\\form.pdf", "\\??\\C:\\form.pdf", "relative/form.pdf"}) {
        SCOPED_TRACE(bad);
        auto [code, message] = add("alice/form", bad, kAlice);
        EXPECT_EQ(code, "invalid_argument");
        EXPECT_TRUE(contains(message, "parameter \"document_path\"")) << message;
    }
    if (!link_error) {
        auto [code, message] = add("alice/form", (docs / "link.pdf").string(), kAlice);
        EXPECT_EQ(code, "permission_denied");
        EXPECT_TRUE(contains(message, "symbolic link")) << message;
        EXPECT_FALSE(core->lists("alice/form"));
    }

    // A regular file, or one not downloaded yet, is fine.
    EXPECT_EQ(add("alice/form", (docs / "form.pdf").string(), kAlice).first, "(success)");
    EXPECT_EQ(add("alice/later", (docs / "later.pdf").string(), kAlice).first, "(success)");
    // An administrator may name a share.
    EXPECT_EQ(add("tester/share", "\\\\fileserver\\forms\\form.pdf", kAdmin).first, "(success)");
}

// --- the system log ------------------------------------------------------------------------

TEST_F(AuthorizationTest, AStaffChangeToAMachineCredentialIsWrittenToTheSystemLog) {
    auto core = start();
    core->ok("add", {{"credential", "alice/password"},
                     {"system", "cancer-registry"},
                     {"kind", "user-password"},
                     {"owner", "alice"},
                     {"label", "FREE TEXT LABEL"}});
    // An administrator's change and alice's own credential: not logged.
    const std::int64_t id = machine_reminder(*core);
    core->ok("record_renewal", {{"credential", "alice/password"}}, kAlice);
    EXPECT_TRUE(log_->staff_changes.empty());

    core->ok("record_renewal", {{"credential", kPassword}, {"note", "FREE TEXT NOTE"}}, kAlice);
    core->ok("record_issuance", {{"credential", kIssuance}}, kAlice);
    core->ok("snooze", {{"reminder", id}, {"days", 3}}, kAlice);
    core->ok("acknowledge", {{"reminder", id}}, kAlice);
    ASSERT_EQ(log_->staff_changes.size(), 4u);
    const std::vector<std::pair<std::string, std::string>> expected{
        {kPassword, "renewed on " + format_date(kToday)},
        {kIssuance, "issued"},
        {kPassword, "reminder " + std::to_string(id) + " snoozed until"},
        {kPassword, "reminder " + std::to_string(id) + " acknowledged"}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const std::string& line = log_->staff_changes[i];
        EXPECT_TRUE(line.starts_with(expected[i].first + ": ")) << line;
        EXPECT_TRUE(contains(line, expected[i].second)) << line;
        EXPECT_TRUE(contains(line, "by alice")) << line;
        EXPECT_FALSE(contains(line, "FREE TEXT")) << line;
    }
}

}  // namespace
