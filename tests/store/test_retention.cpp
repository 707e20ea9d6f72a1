// Store::prune_expired against a real database file: what goes after its retention time and
// what never goes (docs/reliability.md).

#include "credwatch/base/civil_time.hpp"
#include "credwatch/store/store.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <string>

using namespace credwatch;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

#define ASSERT_OK(expr)                                                           \
    do {                                                                          \
        const auto& cw_r = (expr);                                                \
        ASSERT_TRUE(cw_r) << #expr << ": " << (cw_r ? "" : cw_r.error().message); \
    } while (false)

const TimePoint kStart = sys_days{2026y / March / 10} + 12h;
const std::string kPassword = "cancer-registry/user-password";
const std::string kIssuance = "cancer-registry/certificate-issuances";

// A count from a second, raw connection to the file (what is really on disk).
std::int64_t count(const std::filesystem::path& db, const std::string& sql) {
    sqlite3* raw = nullptr;
    std::int64_t n = -1;
    if (sqlite3_open(db.string().c_str(), &raw) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            n = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(raw);
    return n;
}

Credential make_credential(const std::string& id) {
    Credential c;
    c.id = id;
    c.system = "cancer-registry";
    c.kind = id.substr(id.find('/') + 1);
    return c;
}

DueReminder due(const std::string& credential, std::int64_t generation, const std::string& key) {
    DueReminder d;
    d.credential_id = credential;
    d.generation = generation;
    d.key = key;
    d.state = State::due_soon;
    d.days_left = 14;
    return d;
}

OutboxMessage mail(const std::string& subject) {
    OutboxMessage m;
    m.kind = "test";
    m.recipients = {"it@clinic.example.jp"};
    m.subject = subject;
    m.body = "body\n";
    return m;
}

class RetentionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = Store::open(db, clock);
        ASSERT_TRUE(opened) << opened.error().message;
        store = std::move(*opened);
    }
    std::int64_t rows(const std::string& table) {
        return count(db, "SELECT COUNT(*) FROM " + table);
    }

    test::TempDir dir{"credwatch-retention"};
    std::filesystem::path db = dir / "credwatch.db";
    ManualClock clock{kStart};
    Actor yamada{"yamada", "cli"};
    std::unique_ptr<Store> store;
};

// Three years of history: a password renewed once (two generations of reminders), an issuance
// ledger, one sent and one unsent mail, an acknowledgement.
TEST_F(RetentionTest, OldRowsGoInSmallBatchesAndTheLedgerDatesUnsentMailAndLatestAuditStay) {
    ASSERT_OK(store->add_credential(make_credential(kPassword), yamada));
    ASSERT_OK(store->add_credential(make_credential(kIssuance), yamada));
    ASSERT_OK(store->record_issuance(kIssuance, yamada, "PC-1"));
    ASSERT_OK(store->record_issuance(kIssuance, yamada, "PC-2"));
    auto first = store->raise({due(kPassword, 1, "d14"), due(kPassword, 1, "d7")});
    ASSERT_OK(first);
    ASSERT_OK(store->acknowledge(first->front().id, yamada));
    auto sent = store->queue_mail(mail("sent"));
    ASSERT_OK(sent);
    ASSERT_OK(store->mark_sent(*sent));
    ASSERT_OK(store->queue_mail(mail("never sent")));

    clock.advance(24h);
    ASSERT_OK(store->record_renewal(kPassword, 2026y / March / 11, yamada));  // generation 2
    ASSERT_OK(store->raise({due(kPassword, 2, "d14")}));
    const auto audit_before = rows("audit");  // add x2, issued x2, ack, renewed
    ASSERT_EQ(audit_before, 6);

    clock.advance(years(3));
    RetentionPolicy policy;
    policy.rows_per_transaction = 1;  // every row its own transaction: the batching loop
    auto pruned = store->prune_expired(policy, clock.now());
    ASSERT_OK(pruned);
    EXPECT_EQ(pruned->reminders, 2) << "both reminders of generation 1";
    EXPECT_EQ(pruned->outbox, 1) << "the sent mail only";
    EXPECT_EQ(pruned->audit, 0) << "the audit is kept 10 years";

    EXPECT_EQ(count(db, "SELECT COUNT(*) FROM reminders WHERE generation = 2"), 1)
        << "the current generation's reminders keep their keys from firing again";
    EXPECT_EQ(rows("reminders"), 1);
    EXPECT_EQ(count(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"), 1);
    EXPECT_EQ(rows("outbox"), 1);
    EXPECT_EQ(rows("issuances"), 2) << "the issuance ledger is never pruned";
    EXPECT_EQ(store->credential(kIssuance)->issued, 2);
    EXPECT_EQ(store->credential(kPassword)->renewed_on, std::optional<Date>(2026y / March / 11));
    EXPECT_EQ(rows("audit"), audit_before);

    // Audit kept one year: only each credential's newest row stays (and not the ack's).
    policy.audit_years = 1;
    pruned = store->prune_expired(policy, clock.now());
    ASSERT_OK(pruned);
    EXPECT_EQ(pruned->audit, 4);
    auto audit = store->audit(10);
    ASSERT_OK(audit);
    ASSERT_EQ(audit->size(), 2u);
    EXPECT_EQ((*audit)[0].action, "renewed");
    EXPECT_EQ((*audit)[0].target, kPassword);
    EXPECT_EQ((*audit)[1].action, "issued");
    EXPECT_EQ((*audit)[1].target, kIssuance);

    // Nothing more to do: a second pass deletes nothing.
    pruned = store->prune_expired(policy, clock.now());
    ASSERT_OK(pruned);
    EXPECT_EQ(pruned->audit + pruned->reminders + pruned->outbox, 0);
}

TEST_F(RetentionTest, RowsYoungerThanTheirRetentionStay) {
    ASSERT_OK(store->add_credential(make_credential(kPassword), yamada));
    ASSERT_OK(store->raise({due(kPassword, 1, "d14")}));
    auto sent = store->queue_mail(mail("sent"));
    ASSERT_OK(sent);
    ASSERT_OK(store->mark_sent(*sent));
    clock.advance(24h);
    ASSERT_OK(store->record_renewal(kPassword, 2026y / March / 11, yamada));

    clock.advance(days(700));  // under two years
    auto pruned = store->prune_expired(RetentionPolicy{}, clock.now());
    ASSERT_OK(pruned);
    EXPECT_EQ(pruned->audit + pruned->reminders + pruned->outbox, 0);
    EXPECT_EQ(rows("reminders"), 1);
    EXPECT_EQ(rows("outbox"), 1);
}

TEST_F(RetentionTest, ARemovedCredentialKeepsTheAuditRowOfItsRemoval) {
    ASSERT_OK(store->add_credential(make_credential(kPassword), yamada));
    clock.advance(24h);
    ASSERT_OK(store->remove_credential(kPassword, yamada));
    clock.advance(years(20));
    auto pruned = store->prune_expired(RetentionPolicy{}, clock.now());
    ASSERT_OK(pruned);
    EXPECT_EQ(pruned->audit, 1);
    auto audit = store->audit(10);
    ASSERT_OK(audit);
    ASSERT_EQ(audit->size(), 1u);
    EXPECT_EQ((*audit)[0].action, "remove");
}

TEST_F(RetentionTest, ADigestItemStaysWhileItsDigestIsUnsent) {
    OutboxMessage item = mail("item");
    item.kind = "digest_item";
    item.held = true;
    ASSERT_OK(store->queue_mail(item));
    auto digest = store->compose_digest(clock.now() + 1s, [](const std::vector<OutboxEntry>&) {
        return std::optional<OutboxMessage>(mail("digest"));
    });
    ASSERT_OK(digest);
    ASSERT_TRUE(digest->has_value());
    clock.advance(years(5));
    auto pruned = store->prune_expired(RetentionPolicy{}, clock.now());
    ASSERT_OK(pruned);
    EXPECT_EQ(pruned->outbox, 0);
    EXPECT_EQ(rows("outbox"), 2);

    ASSERT_OK(store->mark_sent(**digest));
    clock.advance(years(3));
    pruned = store->prune_expired(RetentionPolicy{}, clock.now());
    ASSERT_OK(pruned);
    EXPECT_EQ(rows("outbox"), 0) << "the digest and its item, once both are old";
}

TEST_F(RetentionTest, APolicyOfZeroYearsIsRefused) {
    RetentionPolicy policy;
    policy.outbox_years = 0;
    auto pruned = store->prune_expired(policy, clock.now());
    ASSERT_FALSE(pruned);
    EXPECT_EQ(pruned.error().code, Errc::invalid_argument);
    EXPECT_NE(pruned.error().message.find("outbox 0"), std::string::npos);
}

}  // namespace
