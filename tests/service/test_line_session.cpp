// LineSession on a real Unix socket pair: a request whose reply is deferred (a rescan waiting
// for its scan) keeps its connection through the idle timeout, and replies keep request order.

#include "line_session.hpp"

#include <gtest/gtest.h>

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace credwatch;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;

namespace {

// One session on one end of a socket pair; the test talks on the other end.
struct Pair {
    asio::io_context io;
    Socket server{io}, client{io};
    asio::steady_timer answer_later{io};
    RequestHandler handler;

    explicit Pair(std::chrono::milliseconds idle_timeout,
                  std::chrono::milliseconds deferred_reply_after) {
        asio::local::connect_pair(server, client);
        handler = [this, deferred_reply_after](std::string_view line, const Peer&) {
            HandlerReply reply;
            if (line != "slow") {
                reply.line = std::string(line) + " answered\n";
                return reply;
            }
            reply.deferred = [this, deferred_reply_after](Responder respond) {
                answer_later.expires_after(deferred_reply_after);
                answer_later.async_wait([respond](boost::system::error_code) {
                    HandlerReply later;
                    later.line = "slow answered\n";
                    respond(std::move(later));
                });
            };
            return reply;
        };
        IpcLimits limits;
        limits.idle_timeout = idle_timeout;
        auto session = std::make_shared<LineSession<Socket>>(std::move(server), handler,
                                                             Peer{"alice", false, {}}, limits);
        session->start();
    }

    // Sends `requests`, then reads lines until `expected` arrived, EOF, or 5 s passed.
    std::vector<std::string> exchange(const std::string& requests, std::size_t expected) {
        asio::write(client, asio::buffer(requests));
        std::vector<std::string> lines;
        asio::streambuf buffer;
        bool done = false;
        std::function<void()> next = [&] {
            asio::async_read_until(
                client, buffer, '\n', [&](boost::system::error_code ec, std::size_t n) {
                    if (ec) {
                        done = true;
                        return;
                    }
                    std::string line(
                        asio::buffers_begin(buffer.data()),
                        asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(n - 1));
                    buffer.consume(n);
                    lines.push_back(line);
                    if (lines.size() == expected)
                        done = true;
                    else
                        next();
                });
        };
        next();
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
        return lines;
    }
};

}  // namespace

TEST(LineSession, AConnectionWaitingForItsDeferredReplyIsNotClosedAsIdle) {
    // The reply comes after three idle periods: the connection is busy, not idle.
    Pair pair(100ms, 350ms);
    EXPECT_EQ(pair.exchange("slow\n", 1), std::vector<std::string>{"slow answered"});
}

TEST(LineSession, RepliesKeepRequestOrderAcrossADeferredOne) {
    Pair pair(5s, 200ms);
    EXPECT_EQ(pair.exchange("slow\nfast\n", 2),
              (std::vector<std::string>{"slow answered", "fast answered"}));
}

TEST(LineSession, AnIdleConnectionIsStillClosed) {
    Pair pair(100ms, 0ms);
    // Nothing sent: the session closes the connection and the client reads EOF.
    EXPECT_TRUE(pair.exchange("", 1).empty());
}
