// The SQLite store against a real database file in a temporary folder.

#include "credwatch/store/store.hpp"

#include "credwatch/base/civil_time.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

using namespace credwatch;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

#define EXPECT_OK(expr)                                                           \
    do {                                                                          \
        const auto& cw_r = (expr);                                                \
        EXPECT_TRUE(cw_r) << #expr << ": " << (cw_r ? "" : cw_r.error().message); \
    } while (false)
#define ASSERT_OK(expr)                                                           \
    do {                                                                          \
        const auto& cw_r = (expr);                                                \
        ASSERT_TRUE(cw_r) << #expr << ": " << (cw_r ? "" : cw_r.error().message); \
    } while (false)

template <class R>
std::string errc_name(const R& r) {
    return r ? std::string("(success)") : std::string(to_string(r.error().code));
}

// 2026-03-10 12:00 UTC (21:00 in Tokyo): the same local calendar date in every time zone from
// UTC-11 to UTC+11, so the date checks do not depend on TZ.
const TimePoint kStart = sys_days{2026y / March / 10} + 12h;

// A second, raw connection to the same file.
class RawDb {
  public:
    explicit RawDb(const std::filesystem::path& path) {
        if (sqlite3_open(path.string().c_str(), &db_) != SQLITE_OK) {
            ADD_FAILURE() << "raw open failed: " << sqlite3_errmsg(db_);
        }
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    int exec(const std::string& sql) {
        char* error = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
        if (error) {
            last_error_ = error;
            sqlite3_free(error);
        }
        return rc;
    }
    // First column of the first row, as text ("" when no row).
    std::string query(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "prepare failed: " << sql << ": " << sqlite3_errmsg(db_);
            return out;
        }
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            const unsigned char* text = sqlite3_column_text(stmt, 0);
            if (text) out = reinterpret_cast<const char*>(text);
        }
        sqlite3_finalize(stmt);
        return out;
    }
    const std::string& last_error() const { return last_error_; }

  private:
    sqlite3* db_ = nullptr;
    std::string last_error_;
};

Credential make_credential(const std::string& id) {
    Credential c;
    c.id = id;
    c.system = "cancer-registry";
    c.kind = id.substr(id.find('/') + 1);
    c.label = "がん登録 " + id;
    return c;
}

FoundCertificate make_cert(char fill, TimePoint not_after, const std::string& location) {
    FoundCertificate f;
    f.location = location;
    f.source = "file";
    f.owner = "machine";
    f.info.subject = "CN=山田太郎,O=Example Hospital";
    f.info.issuer = "CN=Online Billing NW Common Root CA";
    f.info.serial = std::string(8, fill);
    f.info.not_before = sys_days{2025y / January / 1};
    f.info.not_after = not_after;
    f.info.sha1 = std::string(40, fill);
    f.info.sha256 = std::string(64, fill);
    f.info.is_ca = false;
    f.info.key_usage = {"digitalSignature", "keyEncipherment"};
    return f;
}

DueReminder make_due(const std::string& credential, std::int64_t generation,
                     const std::string& key) {
    DueReminder d;
    d.credential_id = credential;
    d.generation = generation;
    d.key = key;
    d.state = State::due_soon;
    d.days_left = 14;
    d.deadline = sys_days{2026y / March / 24} + 15h;
    return d;
}

class StoreTest : public ::testing::Test {
  protected:
    std::unique_ptr<Store> open_store(StoreOptions options = {}) {
        auto store = Store::open(db_path, clock, options);
        if (!store) {
            ADD_FAILURE() << "open failed: " << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }

    test::TempDir dir{"credwatch-store"};
    std::filesystem::path db_path = dir / "credwatch.db";
    ManualClock clock{kStart};
    Actor yamada{"yamada", "cli"};
    Actor service{"SYSTEM", "service"};
};

// --- schema --------------------------------------------------------------------------------

TEST_F(StoreTest, FreshOpenCreatesSchemaAtLatestVersion) {
    ASSERT_GE(Store::latest_schema_version(), 2);
    auto store = open_store();
    ASSERT_TRUE(store);
    auto version = store->schema_version();
    ASSERT_OK(version);
    EXPECT_EQ(*version, Store::latest_schema_version());

    RawDb raw(db_path);
    EXPECT_EQ(raw.query("PRAGMA user_version"), std::to_string(Store::latest_schema_version()));
    for (const char* table : {"credentials", "credential_tombstones", "issuances", "reminders",
                              "inventory", "inventory_failures", "inventory_bindings", "audit"}) {
        EXPECT_EQ(raw.query(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                        "AND name = '") +
                            table + "'"),
                  "1")
            << table;
    }
}

TEST_F(StoreTest, WalModeIsOn) {
    auto store = open_store();
    ASSERT_TRUE(store);
    RawDb raw(db_path);
    EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
}

TEST_F(StoreTest, ReopeningKeepsDataAndIsIdempotent) {
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        auto c = make_credential("cancer-registry/user-password");
        c.renewed_on = 2026y / February / 1;
        c.limit = 6;
        c.lifetime_days = 60;
        c.owner = "yamada";
        c.source = "config";
        ASSERT_OK(store->add_credential(c, yamada));
    }
    for (int round = 0; round < 2; ++round) {
        auto store = open_store();
        ASSERT_TRUE(store);
        EXPECT_EQ(*store->schema_version(), Store::latest_schema_version());
        auto all = store->credentials();
        ASSERT_OK(all);
        ASSERT_EQ(all->size(), 1u);
        const auto& c = all->front();
        EXPECT_EQ(c.id, "cancer-registry/user-password");
        EXPECT_EQ(c.system, "cancer-registry");
        EXPECT_EQ(c.kind, "user-password");
        EXPECT_EQ(c.label, "がん登録 cancer-registry/user-password");
        EXPECT_EQ(c.owner, "yamada");
        EXPECT_EQ(c.source, "config");
        EXPECT_EQ(c.generation, 1);
        ASSERT_TRUE(c.renewed_on);
        EXPECT_EQ(*c.renewed_on, 2026y / February / 1);
        EXPECT_EQ(c.limit, std::optional<int>(6));
        EXPECT_EQ(c.lifetime_days, std::optional<int>(60));
        EXPECT_FALSE(c.not_after);
        auto audit = store->audit();
        ASSERT_OK(audit);
        EXPECT_EQ(audit->size(), 1u);  // reopening wrote nothing
    }
}

TEST_F(StoreTest, DatabaseFromNewerVersionIsRefusedUntouched) {
    { ASSERT_TRUE(open_store()); }
    const int future = Store::latest_schema_version() + 1;
    {
        RawDb raw(db_path);
        ASSERT_EQ(raw.exec("PRAGMA user_version = " + std::to_string(future)), SQLITE_OK);
        // A newer credwatch might have chosen another journal mode: that too is left alone.
        ASSERT_EQ(raw.query("PRAGMA journal_mode = DELETE"), "delete");
    }
    auto store = Store::open(db_path, clock);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, Errc::unsupported_version) << errc_name(store);
    const auto& message = store.error().message;
    EXPECT_NE(message.find(db_path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("version " + std::to_string(future)), std::string::npos) << message;
    EXPECT_NE(message.find("version " + std::to_string(Store::latest_schema_version())),
              std::string::npos)
        << message;
    RawDb raw(db_path);
    EXPECT_EQ(raw.query("PRAGMA user_version"), std::to_string(future));  // never downgraded
    EXPECT_EQ(raw.query("PRAGMA journal_mode"), "delete");                // nor touched
}

TEST_F(StoreTest, MigratesADatabaseAtVersion1) {
    {
        // The version 1 credentials table as released, one row in it.
        RawDb raw(db_path);
        ASSERT_EQ(raw.exec(R"sql(
CREATE TABLE credentials (
    id TEXT PRIMARY KEY NOT NULL, system TEXT NOT NULL, kind TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT 'machine',
    generation INTEGER NOT NULL DEFAULT 1 CHECK (generation >= 1), renewed_on TEXT,
    issued INTEGER NOT NULL DEFAULT 0 CHECK (issued >= 0), limit_override INTEGER,
    lifetime_override INTEGER, document_path TEXT NOT NULL DEFAULT '', not_after INTEGER,
    certificate_sha256 TEXT NOT NULL DEFAULT '', certificate_location TEXT NOT NULL DEFAULT '',
    reference_sha256 TEXT NOT NULL DEFAULT '', reference_not_after INTEGER,
    source TEXT NOT NULL DEFAULT 'user', created_at INTEGER NOT NULL) STRICT;
INSERT INTO credentials (id, system, kind, generation, renewed_on, issued, certificate_sha256,
    created_at) VALUES ('orca/client-cert', 'orca', 'client-cert', 3, '2025-12-01', 2,
    'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 0);
CREATE TABLE issuances (
    id INTEGER PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    at INTEGER NOT NULL, os_user TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '') STRICT;
PRAGMA user_version = 1;
)sql"),
                  SQLITE_OK)
            << raw.last_error();
    }
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->schema_version(), Store::latest_schema_version());
    auto c = store->credential("orca/client-cert");
    ASSERT_OK(c);
    EXPECT_EQ(c->generation, 3);
    EXPECT_EQ(c->issued, 2);
    EXPECT_EQ(c->renewed_on, std::optional<Date>(2025y / December / 1));
    // Version 4 made the count without rows a stated total.
    auto rows = store->issuances("orca/client-cert");
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ(rows->front().how, IssuanceHow::stated);
    EXPECT_EQ(rows->front().total, std::optional<int>(2));
    // Version 2 brought the inventory.
    ScanResult scan;
    scan.certificates.push_back(make_cert('c', kStart + 400 * 24h, "/certs/client.p12"));
    ASSERT_OK(store->replace_inventory("machine-folders", scan));
    auto inv = store->inventory();
    ASSERT_OK(inv);
    ASSERT_EQ(inv->size(), 1u);
    EXPECT_EQ(inv->front().bound_credential, "orca/client-cert");
}

// The service's own results ("" user) and a session check's per user, side by side.
TEST_F(StoreTest, CheckResultsAreKeptPerCheckAndUser) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const TimePoint at = kStart + 1h;
    std::vector<CheckRecord> records{
        {"cancer-registry", "tcp-mio-443", "", CheckState::ok, "開いています", "open", at, {}, {}},
        {"online-eligibility", "credential-login-key", "OqsComApp", CheckState::failed, "ない",
         "missing", at, at, at},
        {"online-eligibility",
         "credential-login-key",
         "tanaka",
         CheckState::ok,
         "ある",
         "found",
         at,
         {},
         {}}};
    ASSERT_OK(store->save_check_results(records));
    // A later result of one user's session replaces that user's row only.
    records[1].state = CheckState::ok;
    records[1].failing_since.reset();
    ASSERT_OK(store->save_check_results({records[1]}));
    auto kept = store->check_results();
    ASSERT_OK(kept);
    ASSERT_EQ(kept->size(), 3u);
    EXPECT_EQ((*kept)[0].user, "");
    EXPECT_EQ((*kept)[1].user, "OqsComApp");
    EXPECT_EQ((*kept)[1].state, CheckState::ok);
    EXPECT_FALSE((*kept)[1].failing_since);
    EXPECT_EQ((*kept)[1].notified_at, std::optional<TimePoint>(at));
    EXPECT_EQ((*kept)[2].user, "tanaka");
    EXPECT_EQ((*kept)[2].evidence_ja, "ある");
}

// Version 7 keyed the results by user too: a version 6 row is the service's own ("").
TEST_F(StoreTest, MigratesTheCheckResultsOfVersion6) {
    { ASSERT_TRUE(open_store()); }
    {
        RawDb raw(db_path);
        ASSERT_EQ(raw.exec(R"sql(
DROP TABLE check_results;
CREATE TABLE check_results (
    system TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL,
    evidence_ja TEXT NOT NULL DEFAULT '', evidence_en TEXT NOT NULL DEFAULT '',
    checked_at INTEGER NOT NULL, failing_since INTEGER, notified_at INTEGER,
    PRIMARY KEY (system, id)) STRICT;
INSERT INTO check_results VALUES ('cancer-registry', 'tcp-mio-443', 'failed', '閉じています',
    'closed', 1000, 900, 950);
PRAGMA user_version = 6;
)sql"),
                  SQLITE_OK)
            << raw.last_error();
    }
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->schema_version(), Store::latest_schema_version());
    auto kept = store->check_results();
    ASSERT_OK(kept);
    ASSERT_EQ(kept->size(), 1u);
    const CheckRecord& r = kept->front();
    EXPECT_EQ(r.id, "tcp-mio-443");
    EXPECT_EQ(r.user, "");
    EXPECT_EQ(r.state, CheckState::failed);
    EXPECT_EQ(r.evidence_ja, "閉じています");
    EXPECT_TRUE(r.failing_since);
    EXPECT_TRUE(r.notified_at);
}

TEST_F(StoreTest, NotADatabaseIsAnErrorNamingTheFile) {
    test::write_file(db_path, std::string(4096, 'x'));
    auto store = Store::open(db_path, clock);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, Errc::database_error) << errc_name(store);
    EXPECT_NE(store.error().message.find(db_path.string()), std::string::npos)
        << store.error().message;
}

// --- credentials ---------------------------------------------------------------------------

TEST_F(StoreTest, AddListGetRemoveLeavesATombstone) {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("oqs/master-password"), yamada));
    ASSERT_OK(store->add_credential(make_credential("cancer-registry/user-password"), yamada));

    auto all = store->credentials();
    ASSERT_OK(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].id, "cancer-registry/user-password");  // ordered by id
    EXPECT_EQ((*all)[1].id, "oqs/master-password");

    auto one = store->credential("oqs/master-password");
    ASSERT_OK(one);
    EXPECT_EQ(one->kind, "master-password");
    EXPECT_EQ(one->generation, 1);

    EXPECT_EQ(*store->is_removed("oqs/master-password"), false);
    ASSERT_OK(store->remove_credential("oqs/master-password", yamada));
    auto gone = store->credential("oqs/master-password");
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, Errc::not_found);
    EXPECT_NE(gone.error().message.find("oqs/master-password"), std::string::npos);
    EXPECT_EQ(*store->is_removed("oqs/master-password"), true);
    EXPECT_EQ(*store->is_removed("cancer-registry/user-password"), false);
    EXPECT_EQ(store->credentials()->size(), 1u);

    auto removed_again = store->remove_credential("oqs/master-password", yamada);
    ASSERT_FALSE(removed_again);
    EXPECT_EQ(removed_again.error().code, Errc::not_found);

    auto audit = store->audit();
    ASSERT_OK(audit);
    ASSERT_EQ(audit->size(), 3u);
    EXPECT_EQ((*audit)[0].action, "remove");
    EXPECT_EQ((*audit)[0].target, "oqs/master-password");
    EXPECT_EQ((*audit)[1].action, "add");
    EXPECT_EQ((*audit)[2].action, "add");
    EXPECT_EQ((*audit)[2].new_value, "cancer-registry/master-password");

    // The tombstone survives a restart; an explicit add brings the id back.
    store.reset();
    store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->is_removed("oqs/master-password"), true);
    ASSERT_OK(store->add_credential(make_credential("oqs/master-password"), yamada));
    EXPECT_EQ(*store->is_removed("oqs/master-password"), false);
}

TEST_F(StoreTest, DuplicateAddIsAlreadyExists) {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("orca/tenant-admin"), yamada));
    auto again = store->add_credential(make_credential("orca/tenant-admin"), yamada);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::already_exists) << errc_name(again);
    EXPECT_NE(again.error().message.find("orca/tenant-admin"), std::string::npos);
    EXPECT_EQ(store->audit()->size(), 1u);  // the refused add left no audit row
}

TEST_F(StoreTest, RenewalStartsANewGenerationAndIsAudited) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/user-password";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));

    ASSERT_OK(store->record_renewal(id, 2026y / March / 1, yamada));
    auto c = store->credential(id);
    ASSERT_OK(c);
    EXPECT_EQ(c->generation, 2);
    EXPECT_EQ(c->renewed_on, std::optional<Date>(2026y / March / 1));

    clock.advance(1h);
    ASSERT_OK(store->record_renewal(id, 2026y / March / 10, Actor{"suzuki", "tray"}));
    EXPECT_EQ(store->credential(id)->generation, 3);

    auto audit = store->audit(10);
    ASSERT_OK(audit);
    ASSERT_EQ(audit->size(), 3u);
    const auto& last = (*audit)[0];
    EXPECT_EQ(last.action, "renewed");
    EXPECT_EQ(last.target, id);
    EXPECT_EQ(last.os_user, "suzuki");
    EXPECT_EQ(last.via, "tray");
    EXPECT_EQ(last.old_value, "2026-03-01");
    EXPECT_EQ(last.new_value, "2026-03-10");
    EXPECT_EQ(last.at, kStart + 1h);
    const auto& first = (*audit)[1];
    EXPECT_EQ(first.os_user, "yamada");
    EXPECT_EQ(first.via, "cli");
    EXPECT_EQ(first.old_value, "");
    EXPECT_EQ(first.new_value, "2026-03-01");
    EXPECT_GT(last.id, first.id);
}

TEST_F(StoreTest, RenewalOfUnknownIdIsNotFound) {
    auto store = open_store();
    ASSERT_TRUE(store);
    auto r = store->record_renewal("nope/nothing", 2026y / March / 1, yamada);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found) << errc_name(r);
    EXPECT_NE(r.error().message.find("nope/nothing"), std::string::npos) << r.error().message;
    EXPECT_TRUE(store->audit()->empty());
}

TEST_F(StoreTest, RenewalDateInTheFutureIsRefused) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/user-password";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    // The clock's local today (2026-03-10 in Tokyo): one day ahead is tolerated (time zones,
    // a clock slightly off) ...
    const Date today = local_date(clock.now());
    ASSERT_OK(store->record_renewal(id, add_days(today, 1), yamada));
    EXPECT_EQ(store->credential(id)->generation, 2);
    // ... two days ahead is not.
    auto r = store->record_renewal(id, add_days(today, 2), yamada);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << errc_name(r);
    EXPECT_NE(r.error().message.find("cannot record a change in the future"), std::string::npos)
        << r.error().message;
    auto c = store->credential(id);
    EXPECT_EQ(c->generation, 2);
    EXPECT_EQ(c->renewed_on, std::optional<Date>(add_days(today, 1)));
    // The refusal follows the clock: a day later the same date is fine.
    clock.advance(24h);
    ASSERT_OK(store->record_renewal(id, add_days(today, 2), yamada));
    EXPECT_EQ(store->credential(id)->generation, 3);
    EXPECT_EQ(store->audit()->size(), 3u);
}

TEST_F(StoreTest, IssuanceCountNeverDecreases) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/certificate-issuances";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));

    EXPECT_EQ(*store->record_issuance(id, yamada, "PC-1 yamada"), 1);
    EXPECT_EQ(*store->record_issuance(id, Actor{"suzuki", "tray"}), 2);
    EXPECT_EQ(store->credential(id)->issued, 2);

    auto set = store->set_issued(id, 5, yamada);
    ASSERT_OK(set);
    EXPECT_EQ(*set, 5);
    auto lower = store->set_issued(id, 3, yamada);
    ASSERT_FALSE(lower);
    EXPECT_EQ(lower.error().code, Errc::invalid_argument) << errc_name(lower);
    EXPECT_NE(lower.error().message.find("does not give an issuance back"), std::string::npos);
    EXPECT_EQ(store->credential(id)->issued, 5);
    EXPECT_EQ(*store->record_issuance(id, yamada), 6);

    auto audit = store->audit();
    ASSERT_OK(audit);
    ASSERT_EQ(audit->size(), 5u);
    EXPECT_EQ((*audit)[0].action, "issued");
    EXPECT_EQ((*audit)[0].old_value, "5");
    EXPECT_EQ((*audit)[0].new_value, "6");
    EXPECT_EQ((*audit)[1].action, "issued-total");
    EXPECT_EQ((*audit)[1].old_value, "2");
    EXPECT_EQ((*audit)[1].new_value, "5");
    EXPECT_EQ((*audit)[2].os_user, "suzuki");

    store.reset();
    RawDb raw(db_path);
    // Two recorded rows, the stated total, one more recorded.
    EXPECT_EQ(raw.query("SELECT count(*) FROM issuances"), "4");
    EXPECT_EQ(raw.query("SELECT group_concat(how) FROM issuances"),
              "recorded,recorded,stated,recorded");
    EXPECT_EQ(raw.query("SELECT note FROM issuances ORDER BY id LIMIT 1"), "PC-1 yamada");

    auto unknown = Store::open(db_path, clock);
    ASSERT_TRUE(unknown);
    auto r = (*unknown)->record_issuance("nope/none", yamada);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found);
}

// --- the issuance ledger ---------------------------------------------------------------------

CountedCertificate counted(char fill, TimePoint not_before) {
    return {std::string(64, fill), fmt::format("CN=04500001-{}", fill), not_before, not_before};
}

TEST_F(StoreTest, DeletingACertificateKeepsItsIssuanceAndAReissueAddsOne) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/certificate-issuance";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    const auto a = counted('a', kStart - 24h);

    EXPECT_EQ(*store->record_seen_issuances(id, {a}, service), 1);
    EXPECT_EQ(store->credential(id)->issued, 1);
    // The same certificate at the next pass, and a copy of it: nothing new.
    EXPECT_EQ(*store->record_seen_issuances(id, {a, a}, service), 0);
    // Deleted in KeyManager: the scan no longer has it, the row and the count stay.
    EXPECT_EQ(*store->record_seen_issuances(id, {}, service), 0);
    EXPECT_EQ(store->credential(id)->issued, 1);
    // Issued again: a new certificate, a new row.
    clock.advance(48h);
    EXPECT_EQ(*store->record_seen_issuances(id, {counted('b', kStart + 47h)}, service), 1);
    EXPECT_EQ(store->credential(id)->issued, 2);
    EXPECT_EQ(store->credential(id)->issued_here, 2);

    auto rows = store->issuances(id);
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].how, IssuanceHow::seen);
    EXPECT_EQ((*rows)[0].certificate_sha256, std::string(64, 'a'));
    EXPECT_EQ((*rows)[0].subject, "CN=04500001-a");
    EXPECT_EQ((*rows)[0].not_before, std::optional<TimePoint>(kStart - 24h));
    EXPECT_EQ((*rows)[0].os_user, "SYSTEM");
    EXPECT_EQ((*rows)[1].certificate_sha256, std::string(64, 'b'));
    EXPECT_TRUE((*rows)[1].own());
    // The first certificate coming back (restored from a backup) is still one issuance.
    EXPECT_EQ(*store->record_seen_issuances(id, {a}, service), 0);
    EXPECT_EQ(store->credential(id)->issued, 2);
}

TEST_F(StoreTest, ARecordedIssuanceIsLinkedToTheCertificateSeenAfterIt) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/certificate-issuance";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    EXPECT_EQ(*store->record_issuance(id, yamada, "new PC"), 1);

    // Three days later the certificate (notBefore the day after the recording) shows up.
    clock.advance(72h);
    EXPECT_EQ(*store->record_seen_issuances(id, {counted('a', kStart + 24h)}, service), 1);
    EXPECT_EQ(store->credential(id)->issued, 1);
    auto rows = store->issuances(id);
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].how, IssuanceHow::recorded);
    EXPECT_EQ((*rows)[0].os_user, "yamada");
    EXPECT_EQ((*rows)[0].note, "new PC");
    EXPECT_EQ((*rows)[0].certificate_sha256, std::string(64, 'a'));

    // An old certificate (notBefore 31 days before a recorded row) is not that issuance.
    EXPECT_EQ(*store->record_issuance(id, yamada), 2);
    EXPECT_EQ(*store->record_seen_issuances(id, {counted('o', clock.now() - days{31})}, service),
              1);
    EXPECT_EQ(store->credential(id)->issued, 3);
    rows = store->issuances(id);
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[1].certificate_sha256, "");  // the second recorded row waits
    EXPECT_EQ((*rows)[2].how, IssuanceHow::seen);
    auto audit = store->audit();
    ASSERT_OK(audit);
    EXPECT_EQ((*audit)[0].action, "issued-seen");
    EXPECT_EQ((*audit)[1].action, "issuance-seen");
}

TEST_F(StoreTest, AStatedTotalCoversTheCertificatesIssuedBeforeIt) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/certificate-issuance";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    // The call centre says 3 so far; two of them are in the store already.
    EXPECT_EQ(*store->set_issued(id, 3, yamada), 3);
    EXPECT_EQ(*store->record_seen_issuances(
                  id, {counted('a', kStart - days{400}), counted('b', kStart - days{40})}, service),
              2);
    EXPECT_EQ(store->credential(id)->issued, 3);
    EXPECT_EQ(store->credential(id)->issued_here, 2);
    // A certificate issued after the statement is one more.
    clock.advance(days{60});
    EXPECT_EQ(*store->record_seen_issuances(id, {counted('c', clock.now() - 1h)}, service), 1);
    EXPECT_EQ(store->credential(id)->issued, 4);
    // A floor below the count states nothing; one above it is a stated row.
    EXPECT_EQ(*store->raise_issued(id, 2, service, "site configuration"), 4);
    EXPECT_EQ(store->issuances(id)->size(), 4u);
    EXPECT_EQ(*store->raise_issued(id, 5, service, "site configuration"), 5);
    auto rows = store->issuances(id);
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 5u);
    EXPECT_EQ(rows->back().how, IssuanceHow::stated);
    EXPECT_EQ(rows->back().total, std::optional<int>(5));
    EXPECT_FALSE(rows->back().own());
    EXPECT_EQ(store->credential(id)->issued_here, 3);
}

TEST_F(StoreTest, TheLedgerCarriesIssuanceRowsToAnotherPcAsNotItsOwn) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/certificate-issuance";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    ASSERT_OK(store->record_issuance(id, yamada));
    ASSERT_OK(store->record_seen_issuances(id, {counted('a', kStart - days{200})}, service));
    auto ledger = store->export_ledger("PC-1");
    ASSERT_OK(ledger);
    ASSERT_EQ(ledger->issuances.size(), 2u);
    EXPECT_EQ(ledger->issuances[1].how, IssuanceHow::seen);
    EXPECT_EQ(ledger->issuances[1].subject, "CN=04500001-a");

    test::TempDir other_dir{"credwatch-store-b"};
    auto other = Store::open(other_dir / "credwatch.db", clock);
    ASSERT_TRUE(other);
    auto summary = (*other)->import_ledger(*ledger, yamada);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->issuances_added, 2u);
    auto c = (*other)->credential(id);
    ASSERT_OK(c);
    EXPECT_EQ(c->issued, 2);
    EXPECT_EQ(c->issued_here, 0);  // PC-1's rows: PC-1 reports them
    auto rows = (*other)->issuances(id);
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[1].imported_from, "PC-1");
    EXPECT_EQ((*rows)[1].certificate_sha256, std::string(64, 'a'));
    // The same certificate copied over and scanned here is not a new issuance; again: nothing.
    EXPECT_EQ(*(*other)->record_seen_issuances(id, {counted('a', kStart - days{200})}, service), 0);
    EXPECT_EQ((*other)->import_ledger(*ledger, yamada)->issuances_added, 0u);
}

TEST_F(StoreTest, BindCertificateGenerations) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "oqs/electronic-certificate";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    const TimePoint year1 = sys_days{2027y / March / 31} + 14h + 59min + 59s;
    const TimePoint year2 = sys_days{2028y / March / 31} + 14h + 59min + 59s;

    // The first certificate ever: bound, generation unchanged.
    ASSERT_OK(store->bind_certificate(id, make_cert('a', year1, "CurrentUser\\My"), service));
    auto c = store->credential(id);
    EXPECT_EQ(c->generation, 1);
    EXPECT_EQ(c->not_after, std::optional<TimePoint>(year1));
    EXPECT_EQ(c->certificate_sha256, std::string(64, 'a'));
    EXPECT_EQ(c->certificate_location, "CurrentUser\\My");

    // The same again: nothing changes, no audit row.
    ASSERT_OK(store->bind_certificate(id, make_cert('a', year1, "CurrentUser\\My"), service));
    EXPECT_EQ(store->credential(id)->generation, 1);
    EXPECT_EQ(store->audit()->size(), 2u);

    // Not found: cleared, generation unchanged.
    ASSERT_OK(store->bind_certificate(id, std::nullopt, service));
    c = store->credential(id);
    EXPECT_EQ(c->generation, 1);
    EXPECT_FALSE(c->not_after);
    EXPECT_EQ(c->certificate_sha256, "");
    EXPECT_EQ(c->certificate_location, "");

    // The same certificate back after a scan missed it: still generation 1.
    ASSERT_OK(store->bind_certificate(id, make_cert('a', year1, "CurrentUser\\My"), service));
    EXPECT_EQ(store->credential(id)->generation, 1);

    // A renewed certificate (later notAfter): generation 2.
    ASSERT_OK(store->bind_certificate(id, make_cert('b', year2, "CurrentUser\\My"), service));
    c = store->credential(id);
    EXPECT_EQ(c->generation, 2);
    EXPECT_EQ(c->not_after, std::optional<TimePoint>(year2));
    EXPECT_EQ(c->certificate_sha256, std::string(64, 'b'));

    auto audit = store->audit(1);
    ASSERT_OK(audit);
    ASSERT_EQ(audit->size(), 1u);
    EXPECT_EQ(audit->front().action, "certificate-bound");
    EXPECT_EQ(audit->front().os_user, "SYSTEM");
    EXPECT_EQ(audit->front().old_value, "2027-03-31T14:59:59Z sha256:aaaaaaaaaaaaaaaa");
    EXPECT_EQ(audit->front().new_value, "2028-03-31T14:59:59Z sha256:bbbbbbbbbbbbbbbb");

    // The old certificate found again elsewhere, then the new one: no flip-flop of generations.
    ASSERT_OK(store->bind_certificate(id, make_cert('a', year1, "C:\\certs\\old.p12"), service));
    c = store->credential(id);
    EXPECT_EQ(c->generation, 2);
    EXPECT_EQ(c->certificate_sha256, std::string(64, 'a'));
    ASSERT_OK(store->bind_certificate(id, make_cert('b', year2, "CurrentUser\\My"), service));
    EXPECT_EQ(store->credential(id)->generation, 2);
}

// --- reminders -----------------------------------------------------------------------------

TEST_F(StoreTest, RaisingTheSameKeyTwiceRaisesItOnceEvenAfterARestart) {
    const std::string id = "cancer-registry/user-password";
    std::int64_t first_id = 0;
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        ASSERT_OK(store->add_credential(make_credential(id), yamada));
        auto raised = store->raise({make_due(id, 1, "d14")});
        ASSERT_OK(raised);
        ASSERT_EQ(raised->size(), 1u);
        const auto& r = raised->front();
        EXPECT_GT(r.id, 0);
        first_id = r.id;
        EXPECT_EQ(r.credential_id, id);
        EXPECT_EQ(r.key, "d14");
        EXPECT_EQ(r.state, State::due_soon);
        EXPECT_EQ(r.days_left, std::optional<int>(14));
        EXPECT_EQ(r.raised_at, kStart);
        EXPECT_FALSE(r.acknowledged_at);

        auto again = store->raise({make_due(id, 1, "d14")});
        ASSERT_OK(again);
        EXPECT_TRUE(again->empty());
    }
    clock.advance(10min);
    auto store = open_store();  // "the service restarted"
    ASSERT_TRUE(store);
    auto again = store->raise({make_due(id, 1, "d14")});
    ASSERT_OK(again);
    EXPECT_TRUE(again->empty());

    auto keys = store->fired_keys(id, 1);
    ASSERT_OK(keys);
    EXPECT_EQ(*keys, (std::set<std::string>{"d14"}));
    EXPECT_TRUE(store->fired_keys(id, 2)->empty());

    auto all = store->reminders(true);
    ASSERT_OK(all);
    ASSERT_EQ(all->size(), 1u);  // not lost either
    EXPECT_EQ(all->front().id, first_id);
    EXPECT_EQ(all->front().raised_at, kStart);
    EXPECT_EQ(all->front().deadline, std::optional<TimePoint>(sys_days{2026y / March / 24} + 15h));

    // Same key, new generation (after a renewal): a new reminder.
    auto next = store->raise({make_due(id, 2, "d14")});
    ASSERT_OK(next);
    EXPECT_EQ(next->size(), 1u);
}

TEST_F(StoreTest, SupersededKeysAreFiredButNeverActive) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/user-password";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    auto due = make_due(id, 1, "d3");
    due.days_left = 3;
    due.superseded = {"d30", "d14", "d7"};
    auto raised = store->raise({due});
    ASSERT_OK(raised);
    ASSERT_EQ(raised->size(), 1u);
    EXPECT_EQ(raised->front().key, "d3");

    EXPECT_EQ(*store->fired_keys(id, 1), (std::set<std::string>{"d14", "d3", "d30", "d7"}));
    auto all = store->reminders(false);
    ASSERT_OK(all);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->front().key, "d3");
    EXPECT_EQ(store->reminders(true)->size(), 1u);

    // A superseded key never fires later.
    auto later = store->raise({make_due(id, 1, "d7")});
    ASSERT_OK(later);
    EXPECT_TRUE(later->empty());
    EXPECT_TRUE(store->raise({})->empty());
}

TEST_F(StoreTest, RaiseSkipsRemovedCredentials) {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("orca/tenant-admin"), yamada));
    auto raised =
        store->raise({make_due("ghost/removed", 1, "d14"), make_due("orca/tenant-admin", 1, "d7")});
    ASSERT_OK(raised);
    ASSERT_EQ(raised->size(), 1u);
    EXPECT_EQ(raised->front().credential_id, "orca/tenant-admin");
}

TEST_F(StoreTest, AcknowledgeAndSnooze) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/user-password";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    auto raised = store->raise({make_due(id, 1, "d14")});
    ASSERT_OK(raised);
    clock.advance(1min);
    auto raised2 = store->raise({make_due(id, 1, "d7")});
    ASSERT_OK(raised2);
    ASSERT_EQ(raised->size(), 1u);
    ASSERT_EQ(raised2->size(), 1u);
    const auto d14 = raised->front().id;
    const auto d7 = raised2->front().id;

    auto active = store->reminders(true);
    ASSERT_OK(active);
    ASSERT_EQ(active->size(), 2u);
    EXPECT_EQ((*active)[0].id, d7);  // newest first
    EXPECT_EQ((*active)[1].id, d14);

    ASSERT_OK(store->acknowledge(d14, yamada));
    active = store->reminders(true);
    ASSERT_EQ(active->size(), 1u);
    EXPECT_EQ(active->front().id, d7);
    auto acked = store->reminder(d14);
    ASSERT_OK(acked);
    EXPECT_EQ(acked->acknowledged_at, std::optional<TimePoint>(kStart + 1min));

    ASSERT_OK(store->snooze(d7, kStart + 1min + 1h, yamada));
    EXPECT_TRUE(store->reminders(true)->empty());
    EXPECT_EQ(store->reminders(false)->size(), 2u);
    clock.advance(30min);
    EXPECT_TRUE(store->reminders(true)->empty());
    clock.advance(31min);  // past the snooze
    active = store->reminders(true);
    ASSERT_EQ(active->size(), 1u);
    EXPECT_EQ(active->front().id, d7);
    EXPECT_EQ(active->front().snoozed_until, std::optional<TimePoint>(kStart + 1min + 1h));

    auto unknown = store->acknowledge(9999, yamada);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, Errc::not_found) << errc_name(unknown);
    auto unknown_snooze = store->snooze(9999, kStart, yamada);
    ASSERT_FALSE(unknown_snooze);
    EXPECT_EQ(unknown_snooze.error().code, Errc::not_found);

    auto audit = store->audit(2);
    ASSERT_OK(audit);
    ASSERT_EQ(audit->size(), 2u);
    EXPECT_EQ((*audit)[0].action, "snooze");
    EXPECT_EQ((*audit)[0].target, std::to_string(d7));
    EXPECT_EQ((*audit)[0].new_value, "2026-03-10T13:01:00Z");
    EXPECT_EQ((*audit)[1].action, "ack");
    EXPECT_EQ((*audit)[1].target, std::to_string(d14));
}

TEST_F(StoreTest, RenewalMakesOlderRemindersInactive) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "cancer-registry/user-password";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    ASSERT_EQ(store->raise({make_due(id, 1, "d3")})->size(), 1u);
    EXPECT_EQ(store->reminders(true)->size(), 1u);
    ASSERT_OK(store->record_renewal(id, 2026y / March / 10, yamada));
    EXPECT_TRUE(store->reminders(true)->empty());
    EXPECT_EQ(store->reminders(false)->size(), 1u);
}

TEST_F(StoreTest, RemovingACredentialDeletesItsRemindersButKeepsTheAudit) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "orca/client-cert";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    auto raised = store->raise({make_due(id, 1, "d30")});
    ASSERT_EQ(raised->size(), 1u);
    ASSERT_OK(store->acknowledge(raised->front().id, yamada));
    ASSERT_OK(store->remove_credential(id, yamada));
    EXPECT_TRUE(store->reminders(false)->empty());
    EXPECT_TRUE(store->fired_keys(id, 1)->empty());
    auto r = store->reminder(raised->front().id);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found);
    auto audit = store->audit();
    ASSERT_EQ(audit->size(), 3u);
    EXPECT_EQ((*audit)[0].action, "remove");
    EXPECT_EQ((*audit)[1].action, "ack");
}

// --- inventory -----------------------------------------------------------------------------

TEST_F(StoreTest, ReplaceInventoryKeepsFirstSeen) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const TimePoint not_after = sys_days{2027y / June / 30};
    ScanResult first;
    first.certificates = {make_cert('a', not_after, "/certs/a.pem"),
                          make_cert('b', not_after, "/certs/b.pem")};
    first.failures = {ScanFailure{"/certs/broken.p12", Errc::password_wrong, "wrong password"}};
    ASSERT_OK(store->replace_inventory("machine-folders", first));
    ScanResult user;
    user.certificates = {make_cert('d', not_after, "CurrentUser\\My")};
    ASSERT_OK(store->replace_inventory("user:yamada", user));

    clock.advance(24h);
    ScanResult second;
    second.certificates = {make_cert('a', not_after, "/certs/a.pem"),
                           make_cert('c', not_after, "/certs/c.pem")};
    ASSERT_OK(store->replace_inventory("machine-folders", second));

    auto inv = store->inventory();
    ASSERT_OK(inv);
    ASSERT_EQ(inv->size(), 3u);  // a, c (machine-folders), d (user:yamada); b is gone
    const auto& a = (*inv)[0];
    EXPECT_EQ(a.certificate.location, "/certs/a.pem");
    EXPECT_EQ(a.first_seen, kStart);
    EXPECT_EQ(a.last_seen, kStart + 24h);
    EXPECT_EQ(a.certificate.info.subject, "CN=山田太郎,O=Example Hospital");
    EXPECT_EQ(a.certificate.info.not_after, not_after);
    EXPECT_EQ(a.certificate.info.key_usage,
              (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
    EXPECT_EQ(a.certificate.info.sha256, std::string(64, 'a'));
    const auto& c = (*inv)[1];
    EXPECT_EQ(c.certificate.location, "/certs/c.pem");
    EXPECT_EQ(c.first_seen, kStart + 24h);
    const auto& d = (*inv)[2];
    EXPECT_EQ(d.certificate.location, "CurrentUser\\My");
    EXPECT_EQ(d.last_seen, kStart);  // the other origin is untouched

    // The failure of machine-folders was replaced by the new (empty) list.
    auto failures = store->inventory_failures();
    ASSERT_OK(failures);
    EXPECT_TRUE(failures->empty());
    ASSERT_OK(store->replace_inventory("machine-folders", first));
    failures = store->inventory_failures();
    ASSERT_EQ(failures->size(), 1u);
    EXPECT_EQ(failures->front().failure.location, "/certs/broken.p12");
    EXPECT_EQ(failures->front().failure.code, Errc::password_wrong);
    EXPECT_EQ(failures->front().failure.error, "wrong password");
    EXPECT_EQ(failures->front().seen, kStart + 24h);
    EXPECT_TRUE(store->audit()->empty());  // the service's own bookkeeping
}

TEST_F(StoreTest, InventoryBindings) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const TimePoint not_after = sys_days{2027y / June / 30};
    ASSERT_OK(store->add_credential(make_credential("orca/client-cert"), yamada));
    ASSERT_OK(store->add_credential(make_credential("oqs/electronic-certificate"), yamada));
    ScanResult scan;
    scan.certificates = {make_cert('a', not_after, "/certs/a.pem"),
                         make_cert('b', not_after, "/certs/b.pem"),
                         make_cert('e', not_after, "/certs/e.pem")};
    ASSERT_OK(store->replace_inventory("machine-folders", scan));

    ASSERT_OK(store->bind_inventory(std::string(64, 'A'), "orca/client-cert", yamada));
    ASSERT_OK(store->bind_certificate("oqs/electronic-certificate",
                                      make_cert('b', not_after, "/certs/b.pem"), service));
    auto inv = store->inventory();
    ASSERT_OK(inv);
    ASSERT_EQ(inv->size(), 3u);
    EXPECT_EQ((*inv)[0].bound_credential, "orca/client-cert");
    EXPECT_EQ((*inv)[1].bound_credential, "oqs/electronic-certificate");
    EXPECT_EQ((*inv)[2].bound_credential, "");

    auto audit = store->audit(2);
    ASSERT_OK(audit);
    EXPECT_EQ((*audit)[1].action, "inventory-bound");
    EXPECT_EQ((*audit)[1].target, "orca/client-cert");
    EXPECT_EQ((*audit)[1].new_value, "sha256:" + std::string(64, 'a'));

    auto unknown = store->bind_inventory(std::string(64, 'e'), "nope/none", yamada);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, Errc::not_found);
    auto bad = store->bind_inventory("xyz", "orca/client-cert", yamada);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

// --- locking -------------------------------------------------------------------------------

// Another program holds the write lock; it lets go after `hold`.
class LockHolder {
  public:
    LockHolder(const std::filesystem::path& path, milliseconds hold) : raw_(path) {
        EXPECT_EQ(raw_.exec("BEGIN EXCLUSIVE"), SQLITE_OK) << raw_.last_error();
        thread_ = std::thread([this, hold] {
            std::this_thread::sleep_for(hold);
            released_rc_ = raw_.exec("COMMIT");
            released_ = true;
        });
    }
    ~LockHolder() { join(); }
    LockHolder(const LockHolder&) = delete;
    LockHolder& operator=(const LockHolder&) = delete;
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    bool released() const { return released_; }
    int released_rc() const { return released_rc_; }

  private:
    RawDb raw_;
    std::thread thread_;
    std::atomic<bool> released_{false};
    std::atomic<int> released_rc_{-1};
};

TEST_F(StoreTest, WriteWaitsForALockReleasedWithinTheBusyTimeout) {
    auto store = open_store();  // default options: 5 s busy timeout
    ASSERT_TRUE(store);
    LockHolder lock(db_path, 200ms);
    const auto started = steady_clock::now();
    ASSERT_OK(store->add_credential(make_credential("orca/tenant-admin"), yamada));
    EXPECT_GE(steady_clock::now() - started, 150ms);
    EXPECT_TRUE(lock.released());
    EXPECT_EQ(store->credential("orca/tenant-admin")->id, "orca/tenant-admin");
}

TEST_F(StoreTest, WholeTransactionIsRetriedUntilTheLockIsReleased) {
    // Each attempt waits only 50 ms: the lock outlives several attempts.
    auto store = open_store(StoreOptions{50ms, 20, {}, false});
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("orca/tenant-admin"), yamada));
    LockHolder lock(db_path, 200ms);
    const auto started = steady_clock::now();
    auto renewed = store->record_renewal("orca/tenant-admin", 2026y / March / 9, yamada);
    ASSERT_OK(renewed);
    EXPECT_GE(steady_clock::now() - started, 150ms);
    lock.join();
    EXPECT_EQ(lock.released_rc(), SQLITE_OK);
    EXPECT_EQ(store->credential("orca/tenant-admin")->generation, 2);
    EXPECT_EQ(store->audit()->size(), 2u);  // written exactly once
}

TEST_F(StoreTest, LockHeldBeyondTheBudgetIsDatabaseLockedAndNothingIsLost) {
    auto store = open_store(StoreOptions{50ms, 2, {}, false});
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("orca/tenant-admin"), yamada));
    {
        LockHolder lock(db_path, 1500ms);
        auto r = store->record_renewal("orca/tenant-admin", 2026y / March / 9, yamada);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::database_locked) << errc_name(r) << r.error().message;
        EXPECT_NE(r.error().message.find(db_path.string()), std::string::npos) << r.error().message;
        EXPECT_FALSE(lock.released());  // gave up while the lock was still held
        // Readers are not blocked in WAL mode: the data is intact.
        auto c = store->credential("orca/tenant-admin");
        ASSERT_OK(c);
        EXPECT_EQ(c->generation, 1);
    }
    auto c = store->credential("orca/tenant-admin");
    ASSERT_OK(c);
    EXPECT_EQ(c->generation, 1);
    EXPECT_FALSE(c->renewed_on);
    EXPECT_EQ(store->audit()->size(), 1u);
    // Once released, a retry succeeds.
    ASSERT_OK(store->record_renewal("orca/tenant-admin", 2026y / March / 9, yamada));
    EXPECT_EQ(store->credential("orca/tenant-admin")->generation, 2);
    EXPECT_EQ(store->audit()->size(), 2u);
}

TEST_F(StoreTest, SecondStoreOnTheSameFileSeesChanges) {
    auto a = open_store();
    auto b = open_store();
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    ASSERT_OK(a->add_credential(make_credential("orca/tenant-admin"), yamada));
    auto seen = b->credential("orca/tenant-admin");
    ASSERT_OK(seen);
    auto dup = b->add_credential(make_credential("orca/tenant-admin"), yamada);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, Errc::already_exists);
}

// --- outbox (e-mail) ------------------------------------------------------------------------

OutboxMessage mail_for(const Reminder& r, bool held = false) {
    OutboxMessage m;
    m.kind = held ? "digest_item" : "reminder";
    m.held = held;
    m.recipients = {"情報システム <it@clinic.example.jp>", "registry@clinic.example.jp"};
    m.subject = "[credwatch] " + r.credential_id + " " + r.key;
    m.body = "がん登録\n";
    return m;
}

TEST_F(StoreTest, OutboxTableComesWithMigration3) {
    ASSERT_GE(Store::latest_schema_version(), 3);
    auto store = open_store();
    ASSERT_TRUE(store);
    RawDb raw(db_path);
    EXPECT_EQ(
        raw.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"),
        "1");
}

TEST_F(StoreTest, RaiseQueuesTheMailInTheSameTransactionOnce) {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("cancer-registry/user-password"), yamada));
    int rendered = 0;
    auto queue = [&](const Reminder& r) -> std::optional<OutboxMessage> {
        ++rendered;
        return mail_for(r);
    };
    auto raised = store->raise({make_due("cancer-registry/user-password", 1, "d14")}, queue);
    ASSERT_OK(raised);
    ASSERT_EQ(raised->size(), 1u);
    auto box = store->outbox();
    ASSERT_OK(box);
    ASSERT_EQ(box->size(), 1u);
    const OutboxEntry& e = box->front();
    EXPECT_EQ(e.reminder_id, std::optional<std::int64_t>(raised->front().id));
    EXPECT_EQ(e.kind, "reminder");
    EXPECT_EQ(e.recipients, (std::vector<std::string>{"情報システム <it@clinic.example.jp>",
                                                      "registry@clinic.example.jp"}));
    EXPECT_EQ(e.subject, "[credwatch] cancer-registry/user-password d14");
    EXPECT_EQ(e.body, "がん登録\n");
    EXPECT_EQ(e.attempts, 0);
    EXPECT_EQ(e.created_at, kStart);
    EXPECT_EQ(e.next_attempt_at, std::optional<TimePoint>(kStart));
    EXPECT_FALSE(e.sent_at);

    // The same reminder again (next evaluation, restart): neither raised nor queued again.
    ASSERT_OK(store->raise({make_due("cancer-registry/user-password", 1, "d14")}, queue));
    EXPECT_EQ(rendered, 1);
    EXPECT_EQ(store->outbox()->size(), 1u);
    // No mail wanted (e-mail off): the reminder alone.
    ASSERT_OK(store->raise({make_due("cancer-registry/user-password", 1, "d7")},
                           [](const Reminder&) { return std::optional<OutboxMessage>{}; }));
    EXPECT_EQ(store->outbox()->size(), 1u);
    EXPECT_EQ(store->reminders(false)->size(), 2u);
}

TEST_F(StoreTest, AMailThatCannotBeQueuedLeavesNoReminderEither) {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("cancer-registry/user-password"), yamada));
    auto raised = store->raise({make_due("cancer-registry/user-password", 1, "d14")},
                               [](const Reminder& r) -> std::optional<OutboxMessage> {
                                   auto m = mail_for(r);
                                   m.recipients.clear();  // refused by the outbox
                                   return m;
                               });
    ASSERT_FALSE(raised);
    EXPECT_EQ(raised.error().code, Errc::invalid_argument);
    EXPECT_TRUE(store->reminders(false)->empty()) << "the whole transaction is rolled back";
    EXPECT_TRUE(store->outbox()->empty());
    // So the next evaluation raises it again, with its mail.
    ASSERT_OK(
        store->raise({make_due("cancer-registry/user-password", 1, "d14")},
                     [](const Reminder& r) { return std::optional<OutboxMessage>(mail_for(r)); }));
    EXPECT_EQ(store->outbox()->size(), 1u);
}

TEST_F(StoreTest, FailedSendsAreRetriedLaterAndSurviveARestart) {
    std::int64_t id = 0;
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        OutboxMessage m;
        m.kind = "test";
        m.recipients = {"it@clinic.example.jp"};
        m.subject = "テスト";
        m.body = "本文";
        auto queued = store->queue_mail(m);
        ASSERT_OK(queued);
        id = *queued;
        auto due = store->due_outbox(clock.now(), 10);
        ASSERT_OK(due);
        ASSERT_EQ(due->size(), 1u);
        EXPECT_EQ(due->front().id, id);

        clock.advance(5s);
        ASSERT_OK(store->mark_failed(id, "SMTP smtp://127.0.0.1:2525: Connection refused",
                                     clock.now() + 60s));
        EXPECT_TRUE(store->due_outbox(clock.now(), 10)->empty());
        EXPECT_EQ(**store->next_outbox_attempt(), kStart + 65s);
        auto counts = store->outbox_counts();
        ASSERT_OK(counts);
        EXPECT_EQ(counts->pending, 1u);
        EXPECT_EQ(counts->failing, 1u);
        EXPECT_EQ(counts->held, 0u);
    }
    clock.advance(2min);
    auto store = open_store();  // the service restarted
    ASSERT_TRUE(store);
    auto due = store->due_outbox(clock.now(), 10);
    ASSERT_OK(due);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ(due->front().attempts, 1);
    EXPECT_EQ(due->front().last_error, "SMTP smtp://127.0.0.1:2525: Connection refused");
    EXPECT_EQ(due->front().last_attempt_at, std::optional<TimePoint>(kStart + 5s));

    ASSERT_OK(store->mark_sent(id));
    EXPECT_TRUE(store->due_outbox(clock.now() + 24h, 10)->empty());
    EXPECT_FALSE(*store->next_outbox_attempt());
    auto e = store->outbox_entry(id);
    ASSERT_OK(e);
    EXPECT_EQ(e->attempts, 2);
    EXPECT_EQ(e->sent_at, std::optional<TimePoint>(kStart + 2min + 5s));
    EXPECT_EQ(store->outbox_counts()->pending, 0u);
    EXPECT_EQ(store->outbox(10, true)->size(), 0u);
    EXPECT_EQ(store->outbox(10, false)->size(), 1u);

    auto missing = store->mark_sent(id + 100);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_F(StoreTest, QueuedMailOutlivesItsRemovedCredential) {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("cancer-registry/user-password"), yamada));
    ASSERT_OK(
        store->raise({make_due("cancer-registry/user-password", 1, "d14")},
                     [](const Reminder& r) { return std::optional<OutboxMessage>(mail_for(r)); }));
    ASSERT_OK(store->remove_credential("cancer-registry/user-password", yamada));
    auto box = store->outbox();
    ASSERT_OK(box);
    ASSERT_EQ(box->size(), 1u);
    EXPECT_FALSE(box->front().reminder_id);  // ON DELETE SET NULL: the rendered mail stays
    EXPECT_EQ(store->due_outbox(clock.now(), 10)->size(), 1u);
}

TEST_F(StoreTest, DigestFoldsTheHeldItemsQueuedBeforeItsTime) {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_OK(store->add_credential(make_credential("cancer-registry/user-password"), yamada));
    ASSERT_OK(store->add_credential(make_credential("cancer-registry/e-filing-form"), yamada));
    auto held = [](const Reminder& r) { return std::optional<OutboxMessage>(mail_for(r, true)); };
    ASSERT_OK(store->raise({make_due("cancer-registry/user-password", 1, "d14")}, held));
    clock.advance(1h);
    ASSERT_OK(store->raise({make_due("cancer-registry/e-filing-form", 1, "d7")}, held));
    // Held items are not sent one by one.
    EXPECT_TRUE(store->due_outbox(clock.now() + 48h, 10)->empty());
    EXPECT_EQ(store->outbox_counts()->held, 2u);

    auto render = [](const std::vector<OutboxEntry>& items) -> std::optional<OutboxMessage> {
        OutboxMessage m;
        m.recipients = {"it@clinic.example.jp"};
        m.subject = fmt::format("{} items", items.size());
        for (const auto& i : items) m.body += i.subject + "\n";
        return m;
    };
    // Cut-off between the two: only the first goes into this digest.
    auto first = store->compose_digest(kStart + 30min, render);
    ASSERT_OK(first);
    ASSERT_TRUE(*first);
    auto digest = store->outbox_entry(**first);
    ASSERT_OK(digest);
    EXPECT_EQ(digest->kind, "digest");
    EXPECT_EQ(digest->subject, "1 items");
    EXPECT_EQ(digest->body, "[credwatch] cancer-registry/user-password d14\n");
    auto due = store->due_outbox(clock.now(), 10);
    ASSERT_OK(due);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ(due->front().id, **first);
    EXPECT_EQ(store->outbox_counts()->held, 1u);

    auto second = store->compose_digest(clock.now() + 1s, render);
    ASSERT_OK(second);
    ASSERT_TRUE(*second);
    EXPECT_EQ(store->outbox_entry(**second)->subject, "1 items");
    auto nothing = store->compose_digest(clock.now() + 1s, render);
    ASSERT_OK(nothing);
    EXPECT_FALSE(*nothing);
    // The items record which digest carried them.
    for (const auto& e : *store->outbox()) {
        if (e.kind != "digest_item") continue;
        EXPECT_TRUE(e.digest_id);
        EXPECT_TRUE(e.sent_at);
    }
}

TEST_F(StoreTest, SentMailIsForgottenAfter180Days) {
    auto store = open_store();
    ASSERT_TRUE(store);
    OutboxMessage m;
    m.kind = "test";
    m.recipients = {"it@clinic.example.jp"};
    m.subject = "old";
    auto old_id = store->queue_mail(m);
    ASSERT_OK(old_id);
    ASSERT_OK(store->mark_sent(*old_id));
    clock.advance(181 * 24h);
    m.subject = "new";
    auto new_id = store->queue_mail(m);
    ASSERT_OK(new_id);
    ASSERT_OK(store->mark_sent(*new_id));
    auto box = store->outbox();
    ASSERT_OK(box);
    ASSERT_EQ(box->size(), 1u);
    EXPECT_EQ(box->front().subject, "new");
}

}  // namespace

// --- learnt matches, replaced certificates ---------------------------------------------------

TEST_F(StoreTest, ALearntMatchIsKeptAuditedAndReset) {
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_TRUE(store->learnt_matches()->empty());
    LearntMatch m;
    m.system = "cancer-registry";
    m.kind = "service-certificate";
    m.issuer = "CN=Registry Private CA,O=Soliton-like";
    m.subject_contains = "04500001";
    m.learnt_from = std::string(64, 'A');
    ASSERT_OK(store->learn_match(m, yamada));
    store.reset();
    store = open_store();  // kept across a restart
    auto learnt = store->learnt_matches();
    ASSERT_OK(learnt);
    ASSERT_EQ(learnt->size(), 1U);
    EXPECT_EQ(learnt->front().issuer, m.issuer);
    EXPECT_EQ(learnt->front().subject_contains, "04500001");
    EXPECT_EQ(learnt->front().learnt_from, std::string(64, 'a'));
    EXPECT_EQ(learnt->front().os_user, "yamada");
    EXPECT_EQ(learnt->front().learnt_at, kStart);
    EXPECT_EQ(store->audit(1)->front().action, "match-learnt");

    auto reset = store->reset_learnt_match("cancer-registry", "service-certificate", yamada);
    ASSERT_OK(reset);
    EXPECT_TRUE(*reset);
    EXPECT_TRUE(store->learnt_matches()->empty());
    auto audit = store->audit(1);
    EXPECT_EQ(audit->front().action, "match-reset");
    EXPECT_EQ(audit->front().target, "cancer-registry/service-certificate");
    EXPECT_FALSE(*store->reset_learnt_match("cancer-registry", "service-certificate", yamada));
    m.issuer.clear();
    EXPECT_FALSE(store->learn_match(m, yamada));
}

TEST_F(StoreTest, ARenewalMarksTheOldCertificateReplacedAndExtendedKeyUsageIsKept) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string id = "oqs/electronic-certificate";
    ASSERT_OK(store->add_credential(make_credential(id), yamada));
    auto old_cert = make_cert('a', sys_days{2027y / March / 31}, "CurrentUser\\My");
    auto new_cert = make_cert('b', sys_days{2028y / March / 31}, "CurrentUser\\My");
    old_cert.info.extended_key_usage = {"clientAuth", "1.2.3.4"};
    ScanResult scan;
    scan.certificates = {old_cert, new_cert};
    ASSERT_OK(store->replace_inventory("user:yamada", scan));
    ASSERT_OK(store->bind_certificate(id, old_cert, service));
    ASSERT_OK(store->bind_certificate(id, new_cert, service));
    EXPECT_EQ(store->credential(id)->generation, 2);
    auto inventory = store->inventory();
    ASSERT_OK(inventory);
    ASSERT_EQ(inventory->size(), 2U);
    for (const auto& e : *inventory) {
        if (e.certificate.info.sha256 == std::string(64, 'a')) {
            EXPECT_EQ(e.replaced_by, std::string(64, 'b'));
            EXPECT_EQ(e.certificate.info.extended_key_usage,
                      (std::vector<std::string>{"clientAuth", "1.2.3.4"}));
        } else {
            EXPECT_EQ(e.replaced_by, "");
            EXPECT_TRUE(e.certificate.info.extended_key_usage.empty());
        }
    }
}

TEST_F(StoreTest, ALearntMatchMovesToANewPcWithTheLedger) {
    auto store = open_store();
    ASSERT_TRUE(store);
    LearntMatch m;
    m.system = "cancer-registry";
    m.kind = "service-certificate";
    m.issuer = "CN=Registry Private CA,O=Soliton-like";
    m.subject_contains = "04500001";
    m.learnt_from = std::string(64, 'a');
    ASSERT_OK(store->learn_match(m, yamada));
    auto ledger = store->export_ledger("pc-1");
    ASSERT_OK(ledger);
    ASSERT_EQ(ledger->learnt_matches.size(), 1U);

    test::TempDir other{"credwatch-store-new-pc"};
    auto fresh = Store::open(other / "credwatch.db", clock);
    ASSERT_OK(fresh);
    auto summary = (*fresh)->import_ledger(*ledger, yamada);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->learnt_matches_added, 1U);
    auto learnt = (*fresh)->learnt_matches();
    ASSERT_EQ(learnt->size(), 1U);
    EXPECT_EQ(learnt->front().issuer, m.issuer);
    EXPECT_EQ(learnt->front().subject_contains, "04500001");
    // Again: nothing more; a match learnt on this PC is kept.
    EXPECT_EQ((*fresh)->import_ledger(*ledger, yamada)->learnt_matches_added, 0U);
}
