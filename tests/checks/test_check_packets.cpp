// SNTP (RFC 4330) and DNS (RFC 1035) messages: what a reply must be before it is believed.

#include "credwatch/checks/dns.hpp"
#include "credwatch/checks/proxy_env.hpp"
#include "credwatch/checks/sntp.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace credwatch;
using namespace credwatch::checks;
using namespace std::chrono;

namespace {

void put_u64(std::array<std::uint8_t, kSntpPacketSize>& p, std::size_t at, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i) p[at + i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

// A server reply to `request` whose clock is `server_now` for both its timestamps.
std::array<std::uint8_t, kSntpPacketSize> reply_to(std::uint64_t request_transmit,
                                                   TimePoint server_now, int stratum = 2) {
    std::array<std::uint8_t, kSntpPacketSize> p{};
    p[0] = (0 << 6) | (4 << 3) | 4;
    p[1] = static_cast<std::uint8_t>(stratum);
    put_u64(p, 24, request_transmit);
    put_u64(p, 32, to_ntp_timestamp(server_now));
    put_u64(p, 40, to_ntp_timestamp(server_now));
    return p;
}

const TimePoint kT1 = TimePoint(seconds(1764600000));  // 2025-12-01 14:40:00 UTC

}  // namespace

TEST(Sntp, TimestampsRoundTripWithin1Microsecond) {
    const TimePoint t = kT1 + microseconds(123456);
    const auto back = from_ntp_timestamp(to_ntp_timestamp(t));
    EXPECT_LE(std::abs(duration_cast<microseconds>(back - t).count()), 1);
    EXPECT_EQ(to_ntp_timestamp(TimePoint(seconds(0))) >> 32, 2208988800ULL);
}

TEST(Sntp, RequestIsVersion4ClientWithOurTransmitTime) {
    const auto p = make_sntp_request(kT1);
    EXPECT_EQ(p[0], 0x23);
    std::uint64_t ts = 0;
    for (std::size_t i = 0; i < 8; ++i) ts = (ts << 8) | p[40 + i];
    EXPECT_EQ(ts, to_ntp_timestamp(kT1));
}

TEST(Sntp, OffsetOfAServerAheadBy90Seconds) {
    const std::uint64_t sent = to_ntp_timestamp(kT1);
    // 40 ms round trip, the server 90 s ahead of the local clock.
    const auto reply =
        decode_sntp_reply(reply_to(sent, kT1 + milliseconds(20) + seconds(90)), sent);
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    EXPECT_EQ(reply->stratum, 2);
    const auto offset = sntp_offset(kT1, *reply, kT1 + milliseconds(40));
    EXPECT_NEAR(static_cast<double>(offset.count()), 90000.0, 1.0);
}

TEST(Sntp, RepliesThatMustNotBeBelieved) {
    const std::uint64_t sent = to_ntp_timestamp(kT1);
    auto wrong_origin = reply_to(sent + 1, kT1);
    EXPECT_NE(decode_sntp_reply(wrong_origin, sent).error().message.find("originate"),
              std::string::npos);
    auto kiss = reply_to(sent, kT1, 0);
    EXPECT_NE(decode_sntp_reply(kiss, sent).error().message.find("kiss"), std::string::npos);
    auto unsynchronised = reply_to(sent, kT1);
    unsynchronised[0] |= 0xC0;
    EXPECT_NE(decode_sntp_reply(unsynchronised, sent).error().message.find("not synchronised"),
              std::string::npos);
    auto client = reply_to(sent, kT1);
    client[0] = (4 << 3) | 3;
    EXPECT_FALSE(decode_sntp_reply(client, sent).has_value());
    EXPECT_FALSE(decode_sntp_reply(std::span(client.data(), 47), sent).has_value());
}

TEST(Dns, QueryAndReplyOfTheManualsName) {
    auto query = make_dns_query(0x1234, "mio.ccr.ncc.go.jp.");
    ASSERT_TRUE(query.has_value());
    // The reply: the question echoed, one A record by a compressed name pointer.
    std::vector<std::uint8_t> reply = *query;
    reply[2] = 0x81;
    reply[3] = 0x80;
    reply[7] = 1;  // one answer
    const std::vector<std::uint8_t> answer{0xC0, 0x0C, 0, 1, 0,   1,   0,  0,
                                           0,    60,   0, 4, 133, 162, 82, 105};
    reply.insert(reply.end(), answer.begin(), answer.end());
    auto decoded = decode_dns_reply(reply, 0x1234);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_EQ(decoded->rcode, 0);
    EXPECT_EQ(decoded->addresses, std::vector<std::string>{"133.162.82.105"});
    EXPECT_FALSE(decode_dns_reply(reply, 0x4321).has_value()) << "another query's id";
    reply.resize(reply.size() - 2);
    EXPECT_FALSE(decode_dns_reply(reply, 0x1234).has_value()) << "truncated";
    EXPECT_FALSE(make_dns_query(1, "a..b").has_value());
    EXPECT_FALSE(make_dns_query(1, std::string(64, 'a') + ".jp").has_value());
}

TEST(ProxyEnvironment, HttpsProxyAppliesUnlessNoProxyNamesTheHostAndNeverShowsAPassword) {
    std::map<std::string, std::string, std::less<>> env{
        {"https_proxy", "http://staff:s3cret@proxy.clinic.example:3128/"}};
    const Environment environment = [&](std::string_view name) -> std::optional<std::string> {
        const auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    auto p = proxy_from_environment("mio.ccr.ncc.go.jp", true, environment);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->proxy, "proxy.clinic.example:3128");
    EXPECT_EQ(p->variable, "https_proxy");
    env["no_proxy"] = "localhost, .ncc.go.jp";
    EXPECT_FALSE(proxy_from_environment("mio.ccr.ncc.go.jp", true, environment).has_value());
    EXPECT_TRUE(proxy_from_environment("hweb.oqs.onshikaku.org", true, environment).has_value());
    env["no_proxy"] = "*";
    EXPECT_FALSE(proxy_from_environment("hweb.oqs.onshikaku.org", true, environment).has_value());
}
