#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/ipc/protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace credwatch;
namespace json = boost::json;

TEST(Protocol, ParsesAWellFormedRequest) {
    json::value id;
    auto r = protocol::parse_request(R"({"v":1,"id":7,"method":"status","params":{"at":"2027-01-01"}})", id);
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

    auto ev = protocol::parse_message(protocol::serialize_event("reminder", json::object{{"id", 9}}));
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
