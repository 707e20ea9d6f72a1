#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/ipc/ledger_codec.hpp"
#include "credwatch/ipc/protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace credwatch;
namespace json = boost::json;

TEST(Protocol, ParsesAWellFormedRequest) {
    json::value id;
    auto r = protocol::parse_request(
        R"({"v":1,"id":7,"method":"status","params":{"at":"2027-01-01"}})", id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->method, "status");
    EXPECT_EQ(r->id.as_int64(), 7);
    EXPECT_EQ(r->params.at("at").as_string(), "2027-01-01");
}

TEST(Protocol, MalformedInputIsAProtocolErrorThatKeepsTheId) {
    json::value id;
    auto garbage = protocol::parse_request("{\"garbage", id);
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().code, Errc::protocol_error);
    EXPECT_NE(garbage.error().message.find("malformed JSON"), std::string::npos);

    auto no_method = protocol::parse_request(R"({"v":1,"id":"abc"})", id);
    ASSERT_FALSE(no_method);
    EXPECT_EQ(no_method.error().code, Errc::protocol_error);
    EXPECT_EQ(id.as_string(), "abc");

    EXPECT_EQ(protocol::parse_request(R"([1,2])", id).error().code, Errc::protocol_error);
    EXPECT_EQ(protocol::parse_request(R"({"v":1,"method":"x","params":[1]})", id).error().code,
              Errc::protocol_error);
    EXPECT_EQ(protocol::parse_request(R"({"method":"x"})", id).error().code, Errc::protocol_error);
}

TEST(Protocol, AnotherVersionIsRefused) {
    json::value id;
    auto r = protocol::parse_request(R"({"v":2,"id":1,"method":"status"})", id);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unsupported_version);
    EXPECT_EQ(id.as_int64(), 1);
}

TEST(Protocol, RepliesRoundTrip) {
    auto ok = protocol::parse_message(protocol::serialize_result(3, json::object{{"x", 1}}));
    ASSERT_TRUE(ok);
    EXPECT_FALSE(ok->error);
    EXPECT_EQ(ok->id.as_int64(), 3);
    EXPECT_EQ(ok->result.at("x").as_int64(), 1);

    auto err = protocol::parse_message(
        protocol::serialize_error(4, make_error(Errc::not_found, "credential \"x\" not found")));
    ASSERT_TRUE(err);
    ASSERT_TRUE(err->error);
    EXPECT_EQ(err->error->code, Errc::not_found);
    EXPECT_EQ(err->error->message, "credential \"x\" not found");

    auto ev =
        protocol::parse_message(protocol::serialize_event("reminder", json::object{{"id", 9}}));
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->event, "reminder");
    EXPECT_EQ(ev->result.at("id").as_int64(), 9);
    std::string line = protocol::serialize_result(1, nullptr);
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, whatever the content
}

TEST(Protocol, TypedParametersNameTheParameter) {
    json::object p{{"credential", 5}, {"days", "x"}};
    auto s = protocol::required_string(p, "credential");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("\"credential\""), std::string::npos);
    auto missing = protocol::required_string(p, "on");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("missing parameter \"on\""), std::string::npos);
    EXPECT_FALSE(protocol::optional_int(p, "days"));
    auto absent = protocol::optional_int(p, "limit");
    ASSERT_TRUE(absent);
    EXPECT_FALSE(*absent);
}

TEST(Protocol, ErrorCodesHaveStableNames) {
    for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
        auto code = static_cast<Errc>(i);
        EXPECT_EQ(protocol::errc_from_string(to_string(code)), code);
    }
}

TEST(JsonCodec, StringArrayFieldKeepsTheStringsInOrder) {
    const json::object o{{"steps", json::array{"one", 2, "two", nullptr, json::array{"x"}, ""}},
                         {"text", "not an array"},
                         {"empty", json::array{}}};
    EXPECT_EQ(string_array_field(o, "steps"), (std::vector<std::string>{"one", "two", ""}));
    EXPECT_TRUE(string_array_field(o, "text").empty());
    EXPECT_TRUE(string_array_field(o, "empty").empty());
    EXPECT_TRUE(string_array_field(o, "missing").empty());
}

namespace {

// A password with a recorded change and a quota, as the catalog describes them.
struct RowFixture {
    System system{"cancer-registry", "がん登録", "Cancer registry", "", "", {}};
    CredentialKind password;
    CredentialKind quota;
    RowFixture() {
        password.system = quota.system = "cancer-registry";
        password.id = "user-password";
        password.rule = Rule::password_rotation;
        password.name_ja = "利用者パスワード";
        password.name_en = "User password";
        password.procedures = {"cancer-registry/password-change"};
        quota.id = "certificate-issuance";
        quota.rule = Rule::issuance_quota;
        quota.name_en = "Certificate issuance";
    }
};

}  // namespace

TEST(JsonCodec, StatusRowHasTheProtocolShape) {
    RowFixture f;
    Credential c;
    c.id = "cancer-registry/user-password";
    c.system = "cancer-registry";
    c.kind = "user-password";
    c.generation = 3;
    c.renewed_on = *parse_date("2026-01-10");
    Evaluation e;
    e.state = State::due_soon;
    e.deadline = *parse_utc("2026-03-24T15:00:00Z");
    e.deadline_date = *parse_date("2026-03-25");
    e.days_left = 14;
    e.issued = 7;  // not a quota: issued and limit stay null
    e.reason = "lapses";
    const json::object o = to_json(make_status_row(c, &f.system, &f.password, e));
    const json::object expected{
        {"id", "cancer-registry/user-password"},
        {"system", "cancer-registry"},
        {"kind", "user-password"},
        {"label", ""},
        {"owner", "machine"},
        {"rule", "password_rotation"},
        {"system_name_ja", "がん登録"},
        {"system_name_en", "Cancer registry"},
        {"kind_name_ja", "利用者パスワード"},
        {"kind_name_en", "User password"},
        {"deadline", "2026-03-24T15:00:00Z"},
        {"deadline_date", "2026-03-25"},
        {"days_left", 14},
        {"state", "due_soon"},
        {"reason", "lapses"},
        {"generation", 3},
        {"renewed_on", "2026-01-10"},
        {"issued", nullptr},
        {"limit", nullptr},
        {"certificate", nullptr},
        {"procedures", json::array{"cancer-registry/password-change"}},
        {"estimated", false},
    };
    EXPECT_EQ(o, expected) << json::serialize(o);

    // A quota has numbers; a bound certificate and a document path appear; an unknown kind
    // has a null rule and empty names.
    Credential q = c;
    q.kind = "certificate-issuance";
    q.certificate_sha256 = std::string(64, 'a');
    q.certificate_location = "/certs/a.p12";
    q.document_path = "/docs/x.pdf";
    Evaluation qe;
    qe.issued = 2;
    qe.limit = 6;
    const json::object qo = to_json(make_status_row(q, &f.system, &f.quota, qe));
    EXPECT_EQ(qo.at("issued"), json::value(2));
    EXPECT_EQ(qo.at("limit"), json::value(6));
    EXPECT_EQ(qo.at("certificate"), json::value(json::object{{"sha256", std::string(64, 'a')},
                                                             {"location", "/certs/a.p12"}}));
    EXPECT_EQ(qo.at("document_path"), json::value("/docs/x.pdf"));
    const json::object unknown = to_json(make_status_row(q, nullptr, nullptr, qe));
    EXPECT_TRUE(unknown.at("rule").is_null());
    EXPECT_TRUE(unknown.at("issued").is_null());
    EXPECT_EQ(unknown.at("kind_name_en"), json::value(""));
    EXPECT_EQ(unknown.at("procedures"), json::value(json::array{}));
}

TEST(JsonCodec, StatusRowRoundTrips) {
    RowFixture f;
    Credential c;
    c.id = "cancer-registry/certificate-issuance";
    c.system = "cancer-registry";
    c.kind = "certificate-issuance";
    c.owner = "yamada";
    c.certificate_sha256 = std::string(64, 'b');
    c.certificate_location = "CurrentUser\\My";
    Evaluation e;
    e.state = State::quota_exhausted;
    e.issued = 6;
    e.limit = 6;
    const StatusRow row = make_status_row(c, &f.system, &f.quota, e);
    auto back = status_row_from_json(json::value(to_json(row)));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(to_json(*back), to_json(row));
    EXPECT_EQ(back->rule, Rule::issuance_quota);
    EXPECT_EQ(back->issued, 6);
    EXPECT_FALSE(back->deadline_date);

    EXPECT_FALSE(status_row_from_json(json::value(3)));
    EXPECT_FALSE(status_row_from_json(json::object{{"state", "ok"}})) << "no id";
    auto wrong = status_row_from_json(json::object{{"id", "x"}, {"days_left", "three"}});
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("days_left"), std::string::npos);
    auto sparse = status_row_from_json(json::object{{"id", "x"}, {"state", "overdue"}});
    ASSERT_TRUE(sparse);
    EXPECT_EQ(sparse->state, State::overdue);
    EXPECT_FALSE(sparse->rule);
}

TEST(JsonCodec, ProcedureFromJson) {
    auto p = procedure_from_json(json::object{{"id", "x/y"},
                                              {"title_ja", "題"},
                                              {"steps_ja", json::array{"一", "二"}},
                                              {"url", "https://example.jp/"}});
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->id, "x/y");
    EXPECT_EQ(p->steps_ja.size(), 2u);
    EXPECT_EQ(p->url, "https://example.jp/");
    EXPECT_FALSE(procedure_from_json(json::value(3)));
    EXPECT_FALSE(procedure_from_json(json::object{{"title_ja", "no id"}}));
}

TEST(JsonCodec, InventoryEntryRoundTrips) {
    InventoryEntry e;
    e.certificate.location = "/certs/a.p12";
    e.certificate.source = "file";
    e.certificate.owner = "machine";
    e.certificate.info.subject = "CN=a";
    e.certificate.info.issuer = "CN=ca";
    e.certificate.info.serial = "01";
    e.certificate.info.not_before = *parse_utc("2025-01-01T00:00:00Z");
    e.certificate.info.not_after = *parse_utc("2027-01-01T00:00:00Z");
    e.certificate.info.sha1 = std::string(40, 'a');
    e.certificate.info.sha256 = std::string(64, 'a');
    e.first_seen = *parse_utc("2026-01-01T00:00:00Z");
    e.last_seen = *parse_utc("2026-02-01T00:00:00Z");
    e.bound_credential = "orca/client-certificate";
    auto back = inventory_entry_from_json(json::value(to_json(e)));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(to_json(*back), to_json(e));
}

// Issuance ledger rows carry how, the certificate and where they came from; a version-1 file
// without those fields still imports, each row as recorded on the exporting PC.
TEST(LedgerCodec, IssuanceRowsCarryTheirFieldsAndOldRowsStillRead) {
    Ledger ledger;
    ledger.exported_at = std::chrono::sys_days{std::chrono::year{2026} / 3 / 10};
    ledger.machine = "PC-1";
    Issuance seen;
    seen.credential_id = "cancer-registry/certificate-issuance";
    seen.at = ledger.exported_at;
    seen.how = IssuanceHow::seen;
    seen.certificate_sha256 = std::string(64, 'a');
    seen.subject = "CN=04500001";
    seen.not_before = ledger.exported_at - std::chrono::hours(24);
    seen.os_user = "SYSTEM";
    Issuance stated = seen;
    stated.how = IssuanceHow::stated;
    stated.certificate_sha256.clear();
    stated.subject.clear();
    stated.not_before.reset();
    stated.total = 3;
    stated.imported_from = "PC-0";
    ledger.issuances = {seen, stated};

    boost::json::object doc = ledger_to_json(ledger);
    auto back = ledger_from_json(doc, "test.json");
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->issuances.size(), 2u);
    EXPECT_EQ(back->issuances[0].how, IssuanceHow::seen);
    EXPECT_EQ(back->issuances[0].certificate_sha256, std::string(64, 'a'));
    EXPECT_EQ(back->issuances[0].subject, "CN=04500001");
    EXPECT_EQ(back->issuances[0].not_before, seen.not_before);
    EXPECT_EQ(back->issuances[1].how, IssuanceHow::stated);
    EXPECT_EQ(back->issuances[1].total, std::optional<int>(3));
    EXPECT_EQ(back->issuances[1].imported_from, "PC-0");

    // As a version-1 file has it: credential, at, os_user, note only.
    for (auto& row : doc["issuances"].as_array()) {
        auto& o = row.as_object();
        for (const char* key :
             {"how", "certificate_sha256", "subject", "not_before", "total", "imported_from"})
            o.erase(key);
    }
    auto old = ledger_from_json(doc, "old.json");
    ASSERT_TRUE(old) << old.error().message;
    ASSERT_EQ(old->issuances.size(), 2u);
    EXPECT_EQ(old->issuances[1].how, IssuanceHow::recorded);
    EXPECT_EQ(old->issuances[1].total, std::nullopt);
    EXPECT_EQ(old->issuances[1].imported_from, "");

    doc["issuances"].as_array()[0].as_object()["how"] = "guessed";
    auto bad = ledger_from_json(doc, "bad.json");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("how"), std::string::npos) << bad.error().message;
}

// The session checks the service hands a client come back as the same typed definitions.
TEST(JsonCodec, ACheckDefinitionRoundTripsWithItsTypedParameters) {
    CheckDefinition c;
    c.system = "online-eligibility";
    c.id = "credential-login-key";
    c.kind = CheckKind::credential_present;
    c.severity = CheckSeverity::recommended;
    c.enabled = false;
    c.platforms = {"windows"};
    c.title_ja = "資格情報";
    c.title_en = "Credential";
    c.fix_ja = "追加";
    c.fix_en = "add";
    c.manual = "seed 004";
    c.params.text["target"] = "OQS_LOGIN_KEY";
    c.params.text["session_user"] = "OqsComApp";
    c.params.numbers["exactly"] = 1;
    c.params.lists["user_prefixes"] = {"R0", "R1"};
    auto back = check_definition_from_json(json::value(to_json(c)));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->system, c.system);
    EXPECT_EQ(back->id, c.id);
    EXPECT_EQ(back->kind, CheckKind::credential_present);
    EXPECT_EQ(back->severity, CheckSeverity::recommended);
    EXPECT_FALSE(back->enabled);
    EXPECT_EQ(back->platforms, c.platforms);
    EXPECT_EQ(back->title_ja, "資格情報");
    EXPECT_EQ(back->params.text, c.params.text);
    EXPECT_EQ(back->params.numbers, c.params.numbers);
    EXPECT_EQ(back->params.lists, c.params.lists);
    EXPECT_EQ(session_user_of(*back), "OqsComApp");

    json::object odd = to_json(c);
    odd["kind"] = "telepathy";
    auto unknown = check_definition_from_json(json::value(odd));
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("telepathy"), std::string::npos);
    odd = to_json(c);
    odd["params"].as_object()["target"] = 1.5;
    EXPECT_FALSE(check_definition_from_json(json::value(odd)));
    odd = to_json(c);
    odd["params"].as_object()["user_prefixes"] = json::array{1};  // not "any prefix"
    EXPECT_FALSE(check_definition_from_json(json::value(odd)));
}

TEST(JsonCodec, ASessionCheckResultNeedsAKnownStateAndStringEvidence) {
    SessionCheckResult r{
        "cancer-registry", "user-certificate", {CheckState::warning, "なし", "none"}};
    auto back = session_check_result_from_json(json::value(to_json(r)));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->result.state, CheckState::warning);
    EXPECT_EQ(back->result.evidence_ja, "なし");
    EXPECT_EQ(back->result.evidence_en, "none");
    json::object bad = to_json(r);
    bad["state"] = "fine";
    auto state = session_check_result_from_json(json::value(bad));
    ASSERT_FALSE(state);
    EXPECT_NE(state.error().message.find("fine"), std::string::npos);
    bad = to_json(r);
    bad["evidence_en"] = 42;
    auto evidence = session_check_result_from_json(json::value(bad));
    ASSERT_FALSE(evidence);
    EXPECT_NE(evidence.error().message.find("evidence_en"), std::string::npos);
    bad = to_json(r);
    bad.erase("id");
    EXPECT_FALSE(session_check_result_from_json(json::value(bad)));
}
