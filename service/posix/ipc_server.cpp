#include "ipc_server.hpp"

#include "credwatch/protocol.hpp"

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <list>

namespace credwatch {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

Peer identify(local::socket& socket) {
    Peer peer;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        spdlog::warn("getsockopt(SO_PEERCRED) failed: errno {}", errno);
        peer.user = "?";
        return peer;
    }
    if (const passwd* pw = getpwuid(cred.uid); pw && pw->pw_name)
        peer.user = pw->pw_name;
    else
        peer.user = std::to_string(cred.uid);
    peer.privileged = cred.uid == 0 || cred.uid == ::geteuid();
    return peer;
}

class UnixIpcServer;

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(local::socket socket, UnixIpcServer& server, Peer peer)
        : socket_(std::move(socket)), server_(server), peer_(std::move(peer)) {}
    void start() { read(); }
    void send(std::string line);
    bool subscribed() const { return subscribed_; }
    void close() {
        boost::system::error_code ec;
        socket_.close(ec);
    }

private:
    void read();
    void write_next();

    local::socket socket_;
    UnixIpcServer& server_;
    Peer peer_;
    asio::streambuf buffer_{protocol::kMaxLineBytes + 1};
    std::deque<std::string> outbox_;
    bool subscribed_ = false;
};

class UnixIpcServer final : public IpcServer {
public:
    UnixIpcServer(asio::io_context& io, RequestHandler handler, std::string path)
        : acceptor_(io), handler_(std::move(handler)), path_(std::move(path)) {}
    ~UnixIpcServer() override { close(); }

    Status listen(const IpcServerOptions& options) {
        boost::system::error_code ec;
        std::filesystem::remove(path_, ec);  // a stale socket from a crash; the lock proves we own it
        local::endpoint ep(path_);
        acceptor_.open(ep.protocol(), ec);
        if (!ec) acceptor_.bind(ep, ec);
        if (ec) {
            spdlog::error("bind({}) failed: {} ({})", path_, ec.message(), ec.value());
            return make_error(Errc::io_error, fmt::format("cannot listen on {}: {}", path_, ec.message()));
        }
        gid_t gid = static_cast<gid_t>(-1);
        if (!options.socket_group.empty()) {
            const group* g = getgrnam(options.socket_group.c_str());
            if (!g)
                return make_error(Errc::invalid_argument,
                                  fmt::format("socket group \"{}\" does not exist", options.socket_group));
            gid = g->gr_gid;
        }
        if (gid != static_cast<gid_t>(-1) && ::chown(path_.c_str(), static_cast<uid_t>(-1), gid) != 0) {
            spdlog::error("chown({}) failed: errno {}", path_, errno);
            return make_error(Errc::io_error, fmt::format("cannot give {} to group {}", path_, options.socket_group));
        }
        if (::chmod(path_.c_str(), 0660) != 0) {
            spdlog::error("chmod({}) failed: errno {}", path_, errno);
            return make_error(Errc::io_error, fmt::format("cannot set the mode of {}", path_));
        }
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return make_error(Errc::io_error, fmt::format("listen on {} failed: {}", path_, ec.message()));
        accept();
        return {};
    }

    void broadcast(const std::string& line) override {
        for (auto& weak : sessions_)
            if (auto s = weak.lock(); s && s->subscribed()) s->send(line);
    }

    void close() override {
        if (!acceptor_.is_open()) return;
        boost::system::error_code ec;
        acceptor_.close(ec);
        for (auto& weak : sessions_)
            if (auto s = weak.lock()) s->close();
        std::filesystem::remove(path_, ec);
    }

    std::size_t connection_count() const override {
        std::size_t n = 0;
        for (const auto& weak : sessions_) n += weak.expired() ? 0 : 1;
        return n;
    }

    HandlerReply handle(std::string_view line, const Peer& peer) { return handler_(line, peer); }

private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) {
                Peer peer = identify(socket);
                auto session = std::make_shared<Session>(std::move(socket), *this, peer);
                sessions_.remove_if([](const auto& w) { return w.expired(); });
                sessions_.push_back(session);
                session->start();
            } else {
                spdlog::warn("accept on {} failed: {}", path_, ec.message());
            }
            if (acceptor_.is_open()) accept();
        });
    }

    local::acceptor acceptor_;
    RequestHandler handler_;
    std::string path_;
    std::list<std::weak_ptr<Session>> sessions_;
};

void Session::read() {
    asio::async_read_until(
        socket_, buffer_, '\n', [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (ec == asio::error::not_found) {
                // Line longer than the limit: answer once, then drop the connection.
                self->send(protocol::serialize_error(
                    nullptr, make_error(Errc::protocol_error, "message exceeds the size limit")));
                self->close();
                return;
            }
            if (ec) return;  // closed by the client
            std::string line(asio::buffers_begin(self->buffer_.data()),
                             asio::buffers_begin(self->buffer_.data()) + static_cast<std::ptrdiff_t>(n - 1));
            self->buffer_.consume(n);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) {
                HandlerReply reply = self->server_.handle(line, self->peer_);
                if (reply.subscribe) self->subscribed_ = true;
                self->send(std::move(reply.line));
            }
            self->read();
        });
}

void Session::send(std::string line) {
    bool idle = outbox_.empty();
    outbox_.push_back(std::move(line));
    if (idle) write_next();
}

void Session::write_next() {
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          if (ec) {
                              self->outbox_.clear();
                              return;
                          }
                          self->outbox_.pop_front();
                          if (!self->outbox_.empty()) self->write_next();
                      });
}

}  // namespace

Result<std::unique_ptr<IpcServer>> start_ipc_server(asio::io_context& io, const IpcServerOptions& options,
                                                    RequestHandler handler) {
    auto server = std::make_unique<UnixIpcServer>(io, std::move(handler), options.endpoint);
    if (auto st = server->listen(options); !st) return st.error();
    return std::unique_ptr<IpcServer>(std::move(server));
}

}  // namespace credwatch
