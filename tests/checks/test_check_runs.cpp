// Running checks in-process against a loopback SNTP responder: the offset is measured against
// the injected clock, and the platform and enabled filters decide what runs.

#include "credwatch/checks/checks.hpp"
#include "credwatch/checks/sntp.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <thread>

using namespace credwatch;
using namespace credwatch::checks;
using namespace std::chrono;
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

const TimePoint kServerTime = TimePoint(seconds(1893456000));  // 2030-01-01 00:00:00 UTC

// Answers one SNTP request with kServerTime, on 127.0.0.1.
class OneShotSntp {
  public:
    OneShotSntp() : socket_(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        thread_ = std::thread([this] {
            std::array<std::uint8_t, 512> in{};
            udp::endpoint peer;
            boost::system::error_code ec;
            const std::size_t n = socket_.receive_from(asio::buffer(in), peer, 0, ec);
            if (ec || n < kSntpPacketSize) return;
            std::array<std::uint8_t, kSntpPacketSize> out{};
            out[0] = (4 << 3) | 4;
            out[1] = 1;
            std::copy(in.begin() + 40, in.begin() + 48, out.begin() + 24);
            const std::uint64_t ts = to_ntp_timestamp(kServerTime);
            for (std::size_t i = 0; i < 8; ++i)
                out[32 + i] = out[40 + i] = static_cast<std::uint8_t>(ts >> (56 - 8 * i));
            socket_.send_to(asio::buffer(out), peer, 0, ec);
        });
    }
    ~OneShotSntp() {
        boost::system::error_code ec;
        socket_.shutdown(udp::socket::shutdown_both, ec);
        socket_.close(ec);
        thread_.join();
    }
    unsigned short port() const { return socket_.local_endpoint().port(); }

  private:
    asio::io_context io_;
    udp::socket socket_;
    std::thread thread_;
};

CheckDefinition clock_check(unsigned short port) {
    CheckDefinition c;
    c.system = "online-eligibility";
    c.id = "clock";
    c.kind = CheckKind::clock;
    c.params.text["server"] = "127.0.0.1";
    c.params.numbers["port"] = port;
    c.params.numbers["max_offset_seconds"] = 60;
    c.params.numbers["timeout_ms"] = 2000;
    return c;
}

}  // namespace

TEST(ClockCheck, OffsetIsMeasuredAgainstTheInjectedClock) {
    {
        OneShotSntp server;
        ManualClock clock(kServerTime + seconds(10));
        const auto report = run_check(clock_check(server.port()), CheckContext{clock});
        EXPECT_EQ(report.result.state, CheckState::ok) << report.result.evidence_en;
        EXPECT_NE(report.result.evidence_en.find("-10.0 s"), std::string::npos)
            << report.result.evidence_en;
    }
    {
        OneShotSntp server;
        ManualClock clock(kServerTime - minutes(5));
        const auto report = run_check(clock_check(server.port()), CheckContext{clock});
        EXPECT_EQ(report.result.state, CheckState::failed) << report.result.evidence_en;
        EXPECT_NE(report.result.evidence_en.find("+300.0 s"), std::string::npos)
            << report.result.evidence_en;
    }
}

TEST(ClockCheck, ARecommendedCheckOnlyWarns) {
    OneShotSntp server;
    ManualClock clock(kServerTime + hours(1));
    auto check = clock_check(server.port());
    check.severity = CheckSeverity::recommended;
    EXPECT_EQ(run_check(check, CheckContext{clock}).result.state, CheckState::warning);
}

TEST(RunChecks, DisabledAndOtherPlatformChecksDoNotRun) {
    ManualClock clock(kServerTime);
    auto disabled = clock_check(1);
    disabled.enabled = false;
    const auto off = run_check(disabled, CheckContext{clock});
    EXPECT_EQ(off.result.state, CheckState::not_applicable);
    EXPECT_EQ(off.result.elapsed_ms, 0);
    auto elsewhere = clock_check(1);
    elsewhere.platforms = {current_platform() == "windows" ? "posix" : "windows"};
    EXPECT_EQ(run_check(elsewhere, CheckContext{clock}).result.state, CheckState::not_applicable);

    CheckDefinition udp;
    udp.system = "cancer-registry";
    udp.id = "udp";
    udp.kind = CheckKind::udp;
    udp.params.text["host"] = "sec.ccr.ncc.go.jp";
    udp.params.numbers["port"] = 4500;
    const auto reports = run_checks({udp, disabled}, {"cancer-registry"}, CheckContext{clock});
    ASSERT_EQ(reports.size(), 1u) << "only the systems asked for";
    EXPECT_EQ(reports[0].result.state, CheckState::cannot_check);
    EXPECT_NE(reports[0].result.evidence_en.find("IKE"), std::string::npos);
}

// A check meant for another user's session (session_user) neither runs nor is reported here;
// names compare without case, as Windows' do.
TEST(RunChecks, ASessionCheckRunsOnlyInTheSessionOfItsUser) {
    ManualClock clock(kServerTime);
    CheckDefinition credential;
    credential.system = "online-eligibility";
    credential.id = "credential-login-key";
    credential.kind = CheckKind::credential_present;
    credential.params.text["target"] = "OQS_LOGIN_KEY";
    credential.params.text["session_user"] = "OqsComApp";
    CheckDefinition any_user = credential;
    any_user.id = "user-certificate";
    any_user.kind = CheckKind::certificate_present;
    any_user.params.text = {{"store", "CurrentUser\\My"}};
    CheckDefinition machine = clock_check(1);  // not a session kind: never in a session's report

    CheckContext tanaka{clock};
    tanaka.user = "tanaka";
    const auto elsewhere = run_check(credential, tanaka);
    EXPECT_EQ(elsewhere.result.state, CheckState::not_applicable);
    EXPECT_NE(elsewhere.result.evidence_en.find("session of OqsComApp"), std::string::npos)
        << elsewhere.result.evidence_en;
    EXPECT_NE(elsewhere.result.evidence_en.find("tanaka"), std::string::npos);
    const auto reported = run_session_checks({credential, any_user, machine}, tanaka);
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_EQ(reported[0].id, "user-certificate");

    CheckContext oqs{clock};
    oqs.user = "oqscomapp";
    const auto mine = run_session_checks({credential, any_user, machine}, oqs);
    ASSERT_EQ(mine.size(), 2u);
    EXPECT_EQ(mine[0].id, "credential-login-key");
    EXPECT_EQ(mine[0].system, "online-eligibility");
}
