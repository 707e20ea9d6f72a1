#pragma once
// One client connection of the IPC server, whatever stream carries it (a Unix socket, a named
// pipe): '\n'-framed request lines of at most protocol::kMaxLineBytes, each handed to the
// handler with the peer the OS identified, and the replies and pushed events written in order.
// The platform servers (posix/ipc_server.cpp, windows/ipc_server.cpp) accept, identify the
// caller and say how a stream is closed; everything else is here.

#include "ipc_server.hpp"

#include "credwatch/ipc/protocol.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

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
    LineSession(Stream stream, const RequestHandler& handler, Peer peer)
        : stream_(std::move(stream)), handler_(handler), peer_(std::move(peer)) {}

    void start() { read(); }

    // Queues a line (a reply or a pushed event); lines go out whole and in order.
    void send(std::string line) {
        bool idle = outbox_.empty();
        outbox_.push_back(std::move(line));
        if (idle) write_next();
    }

    bool subscribed() const { return subscribed_; }
    void close() { Close{}(stream_); }

  private:
    void read() {
        namespace asio = boost::asio;
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
        deferred([self = this->shared_from_this(), answered](HandlerReply reply) {
            if (*answered) return;
            *answered = true;
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
                    return;
                }
                self->outbox_.pop_front();
                if (!self->outbox_.empty()) self->write_next();
            });
    }

    Stream stream_;
    const RequestHandler& handler_;
    Peer peer_;
    boost::asio::streambuf buffer_{protocol::kMaxLineBytes + 1};
    std::deque<std::string> outbox_;
    bool subscribed_ = false;
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
            if (auto s = weak.lock(); s && s->subscribed()) s->send(line);
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

  private:
    std::list<std::weak_ptr<Session>> sessions_;
};

}  // namespace credwatch
