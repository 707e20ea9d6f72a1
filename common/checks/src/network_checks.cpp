// resolve, tcp and clock: Boost.Asio, every wait bounded. The system resolver (getaddrinfo)
// cannot be cancelled, so it runs on its own detached thread and is abandoned at the deadline.

#include "credwatch/checks/dns.hpp"
#include "credwatch/checks/sntp.hpp"
#include "implementations.hpp"
#include "platform_checks.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace credwatch::checks::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace std::chrono;

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

std::string millis(milliseconds ms) {
    return std::to_string(ms.count()) + " ms";
}

// The addresses of `host` by the system resolver (numeric hosts included), within `timeout`.
Result<std::vector<std::string>> resolve_system(const std::string& host, milliseconds timeout) {
    struct Shared {
        std::mutex mutex;
        std::condition_variable done;
        bool finished = false;
        boost::system::error_code error;
        std::vector<std::string> addresses;
    };
    auto shared = std::make_shared<Shared>();
    std::thread([shared, host] {
        asio::io_context io;
        tcp::resolver resolver(io);
        boost::system::error_code ec;
        const auto results = resolver.resolve(host, "", ec);
        std::vector<std::string> addresses;
        if (!ec)
            for (const auto& entry : results) {
                const std::string a = entry.endpoint().address().to_string();
                if (std::find(addresses.begin(), addresses.end(), a) == addresses.end())
                    addresses.push_back(a);
            }
        std::lock_guard lock(shared->mutex);
        shared->error = ec;
        shared->addresses = std::move(addresses);
        shared->finished = true;
        shared->done.notify_all();
    }).detach();
    std::unique_lock lock(shared->mutex);
    if (!shared->done.wait_for(lock, timeout, [&] { return shared->finished; }))
        return make_error(Errc::io_error, "no answer within " + millis(timeout));
    if (shared->error) return make_error(Errc::not_found, shared->error.message());
    if (shared->addresses.empty()) return make_error(Errc::not_found, "no address");
    return shared->addresses;
}

// "127.0.0.1:5353", "127.0.0.1" (port `default_port`), "[::1]:53".
Result<udp::endpoint> parse_endpoint(std::string_view text, unsigned short default_port) {
    std::string host(text);
    unsigned short port = default_port;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string::npos)
            return make_error(Errc::invalid_argument, "\"" + std::string(text) + "\": missing ']'");
        if (close + 1 < host.size() && host[close + 1] == ':')
            port = static_cast<unsigned short>(std::stoi(host.substr(close + 2)));
        host = host.substr(1, close - 1);
    } else if (const auto colon = host.find(':');
               colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) {
        const std::string p = host.substr(colon + 1);
        if (p.empty() ||
            !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            p.size() > 5 || std::stoi(p) < 1 || std::stoi(p) > 65535)
            return make_error(Errc::invalid_argument,
                              "\"" + std::string(text) + "\": the port must be 1-65535");
        port = static_cast<unsigned short>(std::stoi(p));
        host = host.substr(0, colon);
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec)
        return make_error(
            Errc::invalid_argument,
            "\"" + std::string(text) + "\" is not an IP address (with an optional :port)");
    return udp::endpoint(address, port);
}

// One datagram out and the first reply `accept` takes, within `timeout`.
Result<std::vector<std::uint8_t>> exchange_udp(
    const udp::endpoint& to, std::span<const std::uint8_t> request, milliseconds timeout,
    const std::function<bool(std::span<const std::uint8_t>)>& accept) {
    asio::io_context io;
    udp::socket socket(io);
    boost::system::error_code ec;
    socket.open(to.protocol(), ec);
    if (ec) return make_error(Errc::io_error, "cannot open a UDP socket: " + ec.message());
    socket.connect(to, ec);  // only replies from `to` are delivered
    if (ec)
        return make_error(Errc::io_error,
                          "cannot reach " + to.address().to_string() + ": " + ec.message());
    socket.send(asio::buffer(request.data(), request.size()), 0, ec);
    if (ec) return make_error(Errc::io_error, "cannot send: " + ec.message());

    std::vector<std::uint8_t> buffer(1500);
    std::optional<Result<std::vector<std::uint8_t>>> outcome;
    std::function<void()> receive = [&] {
        socket.async_receive(asio::buffer(buffer), [&](boost::system::error_code e, std::size_t n) {
            if (e) {
                if (e != asio::error::operation_aborted)
                    outcome = make_error(Errc::io_error, "no answer: " + e.message());
                return;
            }
            std::span<const std::uint8_t> got(buffer.data(), n);
            if (accept(got)) {
                outcome = std::vector<std::uint8_t>(got.begin(), got.end());
                return;
            }
            receive();  // a stray datagram: keep listening until the deadline
        });
    };
    receive();
    io.run_for(timeout);
    if (!outcome) {
        socket.close(ec);
        io.restart();
        io.run();
        return make_error(Errc::io_error, "no answer within " + millis(timeout));
    }
    return std::move(*outcome);
}

std::uint16_t random_id() {
    static std::mutex mutex;
    static std::mt19937 generator{std::random_device{}()};
    std::lock_guard lock(mutex);
    return static_cast<std::uint16_t>(generator() & 0xffff);
}

Result<std::vector<std::string>> resolve_with_server(const std::string& host,
                                                     const udp::endpoint& server,
                                                     milliseconds timeout) {
    const std::uint16_t id = random_id();
    CW_TRY_ASSIGN(query, make_dns_query(id, host));
    std::optional<DnsAnswer> answer;
    CW_TRY(exchange_udp(server, query, timeout, [&](std::span<const std::uint8_t> m) {
        auto decoded = decode_dns_reply(m, id);
        if (!decoded) return false;
        answer = std::move(*decoded);
        return true;
    }));
    if (answer->rcode == 3) return make_error(Errc::not_found, "no such name (NXDOMAIN)");
    if (answer->rcode != 0)
        return make_error(Errc::not_found,
                          "the server answered error " + std::to_string(answer->rcode));
    if (answer->addresses.empty()) return make_error(Errc::not_found, "no IPv4 address (A record)");
    return answer->addresses;
}

}  // namespace

CheckResult run_resolve(const CheckDefinition& check, const CheckContext& context) {
    const std::string host = check.params.text_or("host", "");
    const std::string resolver = check.params.text_or("resolver", "");
    const auto timeout = context.timeout_for(check);
    std::string via_ja = "システムのリゾルバー", via_en = "the system resolver";
    Result<std::vector<std::string>> addresses = std::vector<std::string>{};
    if (resolver.empty()) {
        addresses = resolve_system(host, timeout);
    } else {
        via_ja = "DNS サーバー " + resolver;
        via_en = "the DNS server " + resolver;
        auto server = parse_endpoint(resolver, 53);
        if (!server)
            return result(CheckState::cannot_check,
                          "resolver の設定が不正です: " + server.error().message,
                          "the resolver setting is wrong: " + server.error().message);
        addresses = resolve_with_server(host, *server, timeout);
    }
    if (!addresses)
        return result(
            problem_state(check.severity),
            host + " の名前解決ができません（" + via_ja + "）: " + addresses.error().message,
            host + " does not resolve (" + via_en + "): " + addresses.error().message);

    CheckResult r = result(CheckState::ok, host + " → " + join(*addresses) + "（" + via_ja + "）",
                           host + " -> " + join(*addresses) + " (" + via_en + ")");
    const auto expected = check.params.list_or_empty("expected");
    if (!expected.empty()) {
        auto seen = *addresses, listed = expected;
        std::sort(seen.begin(), seen.end());
        std::sort(listed.begin(), listed.end());
        if (seen != listed) {
            r.evidence_ja += "。マニュアル記載のアドレス（" + join(expected) +
                             "）と異なります。アドレスは変更されることがあるとマニュアルにあり、こ"
                             "れだけでは異常ではありません";
            r.evidence_en += ". The manual lists " + join(expected) +
                             "; it says the addresses may change, so this alone is not a fault";
        }
    }
    if (const auto proxy = os_proxy_for(host, context.environment)) {
        r.state = CheckState::warning;
        r.evidence_ja +=
            "。この名前にはプロキシ " + proxy->proxy + "（" + proxy->source +
            "）が使われる設定です。マニュアルはプロキシを介さない直接の接続を求めています";
        r.evidence_en +=
            ". A proxy " + proxy->proxy + " (" + proxy->source +
            ") applies to this name; the manual requires a direct connection, no proxy";
    }
    r.evidence_ja += "。";
    r.evidence_en += ".";
    return r;
}

CheckResult run_tcp(const CheckDefinition& check, const CheckContext& context) {
    const std::string host = check.params.text_or("host", "");
    const auto port = static_cast<unsigned short>(check.params.number_or("port", 443));
    const std::string target = host + " TCP " + std::to_string(port);
    const auto timeout = context.timeout_for(check);
    const auto started = steady_clock::now();
    auto addresses = resolve_system(host, timeout);
    if (!addresses)
        return result(problem_state(check.severity),
                      target + ": 名前解決ができません: " + addresses.error().message,
                      target + ": the name does not resolve: " + addresses.error().message);
    const auto left = std::max(
        milliseconds(1), timeout - duration_cast<milliseconds>(steady_clock::now() - started));

    asio::io_context io;
    std::vector<tcp::endpoint> endpoints;
    for (const auto& a : *addresses) {
        boost::system::error_code ec;
        endpoints.emplace_back(asio::ip::make_address(a, ec), port);
    }
    tcp::socket socket(io);
    std::optional<boost::system::error_code> outcome;
    tcp::endpoint connected;
    asio::async_connect(socket, endpoints,
                        [&](boost::system::error_code ec, const tcp::endpoint& e) {
                            outcome = ec;
                            connected = e;
                        });
    io.run_for(left);
    if (!outcome) {
        boost::system::error_code ignored;
        socket.close(ignored);
        io.restart();
        io.run();
        return result(problem_state(check.severity),
                      target + "（" + join(*addresses) + "）: " + millis(timeout) +
                          " 以内に接続できません（途中で通信が止められている可能性があります）。",
                      target + " (" + join(*addresses) + "): no connection within " +
                          millis(timeout) + " (something on the way may drop it).");
    }
    if (*outcome)
        return result(
            problem_state(check.severity),
            target + "（" + join(*addresses) + "）: 接続できません: " + outcome->message(),
            target + " (" + join(*addresses) + "): cannot connect: " + outcome->message());
    const auto took = duration_cast<milliseconds>(steady_clock::now() - started);
    return result(
        CheckState::ok,
        target + ": " + connected.address().to_string() + " に接続できました（" + millis(took) +
            "）。",
        target + ": connected to " + connected.address().to_string() + " (" + millis(took) + ").");
}

CheckResult run_clock(const CheckDefinition& check, const CheckContext& context) {
    const std::string server = check.params.text_or("server", "");
    const auto port = static_cast<unsigned short>(check.params.number_or("port", 123));
    const auto limit = seconds(check.params.number_or("max_offset_seconds", 60));
    const auto timeout = context.timeout_for(check);
    auto addresses = resolve_system(server, timeout);
    if (!addresses)
        return result(problem_state(check.severity),
                      "タイムサーバー " + server +
                          " の名前解決ができません（時刻サーバーのエラー「ピアは解決されていません"
                          "」と同じ状態です）: " +
                          addresses.error().message,
                      "the time server " + server +
                          " does not resolve (as Windows' \"the peer is unresolved\" error): " +
                          addresses.error().message);
    boost::system::error_code ec;
    const udp::endpoint to(asio::ip::make_address(addresses->front(), ec), port);
    const TimePoint t1 = context.clock.now();
    const auto request = make_sntp_request(t1);
    const std::uint64_t request_transmit = to_ntp_timestamp(t1);
    std::optional<SntpReply> reply;
    std::string rejected;
    auto exchanged = exchange_udp(to, request, timeout, [&](std::span<const std::uint8_t> m) {
        auto decoded = decode_sntp_reply(m, request_transmit);
        if (!decoded) {
            rejected = decoded.error().message;
            return false;
        }
        reply = *decoded;
        return true;
    });
    const TimePoint t4 = context.clock.now();
    const std::string where = server + ":" + std::to_string(port);
    if (!exchanged) {
        const std::string why = rejected.empty() ? exchanged.error().message : rejected;
        return result(problem_state(check.severity),
                      "タイムサーバー " + where + " から時刻を得られません: " + why,
                      "no time from the time server " + where + ": " + why);
    }
    const auto offset = sntp_offset(t1, *reply, t4);
    const auto magnitude = offset < milliseconds(0) ? -offset : offset;
    // Seconds to a tenth: the round trip makes the last milliseconds noise.
    char figures_buffer[32];
    std::snprintf(figures_buffer, sizeof figures_buffer, "%+.1f s",
                  static_cast<double>(offset.count()) / 1000.0);
    const std::string figures = figures_buffer;
    const std::string limit_text = std::to_string(limit.count()) + " s";
    if (magnitude > limit)
        return result(problem_state(check.severity),
                      "この端末の時計は " + where + " と " + figures + " ずれています（上限 " +
                          limit_text + "）。時刻がずれていると証明書の確認に失敗します。",
                      "this machine's clock is " + figures + " off " + where + " (limit " +
                          limit_text + "); certificate checks fail on a wrong clock.");
    return result(CheckState::ok,
                  "時計のずれ " + figures + "（" + where + "、上限 " + limit_text + "、stratum " +
                      std::to_string(reply->stratum) + "）。",
                  "clock offset " + figures + " against " + where + " (limit " + limit_text +
                      ", stratum " + std::to_string(reply->stratum) + ").");
}

}  // namespace credwatch::checks::detail
