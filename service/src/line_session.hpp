#pragma once
// One client connection of the IPC server, whatever stream carries it (a Unix socket, a named
// pipe): '\n'-framed request lines of at most protocol::kMaxLineBytes, each handed to the
// handler with the peer the OS identified, and the replies and pushed events written in order.
// The platform servers (posix/ipc_server.cpp, windows/ipc_server.cpp) accept, identify the
// caller and say how a stream is closed; everything else is here, with the limits a client
// cannot go past (IpcLimits): queued reply bytes, idle time, connections per user and overall.

#include "ipc_server.hpp"

#include "credwatch/ipc/protocol.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <utility>

namespace credwatch {

// How a session closes its stream by default; a platform may do more (a pipe disconnects).
struct CloseStream {
    template <class Stream>
    void operator()(Stream& stream) const {
        boost::system::error_code ec;
        stream.close(ec);
    }
};

template <class Stream, class Close = CloseStream>
class LineSession : public std::enable_shared_from_this<LineSession<Stream, Close>> {
  public:
    // `handler` is the server's: the server closes its sessions before it goes away.
    LineSession(Stream stream, const RequestHandler& handler, Peer peer, IpcLimits limits = {})
        : stream_(std::move(stream)),
          handler_(handler),
          peer_(std::move(peer)),
          limits_(limits),
          idle_timer_(stream_.get_executor()) {}

    void start() {
        watch_idle();
        read();
    }

    // Queues a reply; lines go out whole and in order.
    void send(std::string line) {
        bool idle = outbox_.empty();
        outbox_bytes_ += line.size();
        outbox_.push_back(std::move(line));
        if (idle) write_next();
    }

    // Queues a pushed event; a subscriber that lets them pile up past the limit is dropped
    // rather than allowed to grow the service without bound.
    void push(std::string line) {
        if (closed_) return;
        if (outbox_bytes_ + line.size() > limits_.max_queued_reply_bytes) {
            spdlog::warn(
                "dropping a connection of {}: it does not read its events ({} bytes queued, "
                "limit {})",
                peer_.user, outbox_bytes_, limits_.max_queued_reply_bytes);
            close();
            return;
        }
        send(std::move(line));
    }

    // Answers a connection the server does not take: one line, then the stream is closed.
    void refuse(std::string line) {
        close_when_flushed_ = true;
        send(std::move(line));
    }

    bool subscribed() const { return subscribed_; }
    const Peer& peer() const { return peer_; }
    void close() {
        closed_ = true;
        idle_timer_.cancel();
        Close{}(stream_);
    }

  private:
    // Reads the next request unless the client has not drained its replies: then the rest
    // waits in the stream's buffers (the kernel's) until write_next() catches up.
    void read() {
        namespace asio = boost::asio;
        if (closed_ || awaiting_reply_) return;
        if (outbox_bytes_ > limits_.max_queued_reply_bytes) {
            read_paused_ = true;
            return;
        }
        asio::async_read_until(
            stream_, buffer_, '\n',
            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                if (ec == asio::error::not_found) {
                    // Line longer than the limit: answer once, then drop the connection.
                    self->send(protocol::serialize_error(
                        nullptr,
                        make_error(Errc::protocol_error, "message exceeds the size limit")));
                    self->close();
                    return;
                }
                if (ec) return;  // closed by the client (EOF, ERROR_BROKEN_PIPE) or by us
                std::string line(
                    asio::buffers_begin(self->buffer_.data()),
                    asio::buffers_begin(self->buffer_.data()) + static_cast<std::ptrdiff_t>(n - 1));
                self->buffer_.consume(n);
                self->touch();
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (!line.empty()) {
                    HandlerReply reply = self->handler_(line, self->peer_);
                    if (reply.deferred) {
                        self->defer(std::move(reply.deferred));
                        return;  // reading resumes once the reply is sent
                    }
                    if (reply.subscribe) self->subscribed_ = true;
                    self->send(std::move(reply.line));
                }
                self->read();
            });
    }

    // The reply comes later; the next request is read after it (once, whatever the responder).
    void defer(std::function<void(Responder)> deferred) {
        auto answered = std::make_shared<bool>(false);
        awaiting_reply_ = true;
        deferred([self = this->shared_from_this(), answered](HandlerReply reply) {
            if (*answered) return;
            *answered = true;
            self->awaiting_reply_ = false;
            self->touch();
            if (reply.subscribe) self->subscribed_ = true;
            self->send(std::move(reply.line));
            self->read();
        });
    }

    void write_next() {
        namespace asio = boost::asio;
        asio::async_write(
            stream_, asio::buffer(outbox_.front()),
            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (ec) {
                    self->outbox_.clear();
                    self->outbox_bytes_ = 0;
                    return;
                }
                self->outbox_bytes_ -= self->outbox_.front().size();
                self->outbox_.pop_front();
                self->touch();
                if (!self->outbox_.empty()) {
                    self->write_next();
                } else if (self->close_when_flushed_) {
                    // A plain close, not the platform's: a pipe disconnected now would discard
                    // the line before the client reads it.
                    self->closed_ = true;
                    self->idle_timer_.cancel();
                    CloseStream{}(self->stream_);
                    return;
                }
                if (self->read_paused_ &&
                    self->outbox_bytes_ <= self->limits_.max_queued_reply_bytes / 2) {
                    self->read_paused_ = false;
                    self->read();
                }
            });
    }

    void touch() { last_activity_ = std::chrono::steady_clock::now(); }

    // Closes the connection once it has moved no byte for the idle timeout, unless it is
    // subscribed (a tray waiting for events). The timer holds the session weakly: it never
    // keeps a finished connection alive.
    void watch_idle() {
        touch();
        arm_idle_timer(limits_.idle_timeout);
    }

    void arm_idle_timer(std::chrono::steady_clock::duration after) {
        idle_timer_.expires_after(after);
        std::weak_ptr<LineSession> weak = this->shared_from_this();
        idle_timer_.async_wait([weak](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->closed_) return;
            auto quiet_until = self->last_activity_ + self->limits_.idle_timeout;
            auto now = std::chrono::steady_clock::now();
            // Not idle: waiting for events, or for the service's own deferred reply (a scan).
            if (self->subscribed_ || self->awaiting_reply_) {
                self->arm_idle_timer(self->limits_.idle_timeout);
            } else if (now < quiet_until) {
                self->arm_idle_timer(quiet_until - now);
            } else {
                spdlog::debug("closing an idle connection of {}", self->peer_.user);
                self->close();
            }
        });
    }

    Stream stream_;
    const RequestHandler& handler_;
    Peer peer_;
    IpcLimits limits_;
    boost::asio::streambuf buffer_{protocol::kMaxLineBytes + 1};
    std::deque<std::string> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool subscribed_ = false;
    bool awaiting_reply_ = false;  // a deferred reply is pending: read nothing before it
    bool read_paused_ = false;
    bool close_when_flushed_ = false;
    bool closed_ = false;
    boost::asio::steady_timer idle_timer_;
    std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
};

// A server's live sessions: pushed events go to the subscribed ones; closing the server
// closes them all. Sessions own themselves (through their pending operations): a session
// whose connection ended simply expires here.
template <class Session>
class SessionList {
  public:
    void add(const std::shared_ptr<Session>& session) {
        sessions_.remove_if([](const auto& w) { return w.expired(); });
        sessions_.push_back(session);
    }

    void broadcast(const std::string& line) {
        for (auto& weak : sessions_)
            if (auto s = weak.lock(); s && s->subscribed()) s->push(line);
    }

    void close_all() {
        for (auto& weak : sessions_)
            if (auto s = weak.lock()) s->close();
    }

    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& weak : sessions_) n += weak.expired() ? 0 : 1;
        return n;
    }

    std::size_t count_for(const std::string& account) const {
        std::size_t n = 0;
        for (const auto& weak : sessions_)
            if (auto s = weak.lock(); s && s->peer().account == account) ++n;
        return n;
    }

    // Why a new connection from `peer` is refused (one protocol error line), or "" to take it.
    std::string refusal(const Peer& peer, const IpcLimits& limits) {
        sessions_.remove_if([](const auto& w) { return w.expired(); });
        if (sessions_.size() >= limits.max_connections)
            return fmt::format("the service has too many connections (limit {})",
                               limits.max_connections);
        if (count_for(peer.account) >= limits.max_connections_per_user)
            return fmt::format("too many connections from {} (limit {})", peer.user,
                               limits.max_connections_per_user);
        return {};
    }

  private:
    std::list<std::weak_ptr<Session>> sessions_;
};

// Connections refused over the limits: a line when refusing starts and one when a connection is
// taken again, so that a client hammering the endpoint cannot flood the log.
class RefusalLog {
  public:
    void refused(const std::string& why) {
        if (refused_++ == 0) spdlog::warn("refusing new connections: {}", why);
    }
    void taken() {
        if (refused_ == 0) return;
        spdlog::info("taking connections again after refusing {}", refused_);
        refused_ = 0;
    }

  private:
    std::size_t refused_ = 0;
};

}  // namespace credwatch
