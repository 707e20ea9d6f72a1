#include "ipc_server.hpp"
#include "line_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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

using Session = LineSession<local::socket>;

class UnixIpcServer final : public IpcServer {
  public:
    UnixIpcServer(asio::io_context& io, RequestHandler handler, std::string path)
        : acceptor_(io), handler_(std::move(handler)), path_(std::move(path)) {}
    ~UnixIpcServer() override { close(); }

    Status listen(const IpcServerOptions& options) {
        boost::system::error_code ec;
        std::filesystem::remove(path_,
                                ec);  // a stale socket from a crash; the lock proves we own it
        local::endpoint ep(path_);
        acceptor_.open(ep.protocol(), ec);
        if (!ec) acceptor_.bind(ep, ec);
        if (ec) {
            spdlog::error("bind({}) failed: {} ({})", path_, ec.message(), ec.value());
            return make_error(Errc::io_error,
                              fmt::format("cannot listen on {}: {}", path_, ec.message()));
        }
        gid_t gid = static_cast<gid_t>(-1);
        if (!options.socket_group.empty()) {
            const group* g = getgrnam(options.socket_group.c_str());
            if (!g)
                return make_error(
                    Errc::invalid_argument,
                    fmt::format("socket group \"{}\" does not exist", options.socket_group));
            gid = g->gr_gid;
        }
        if (gid != static_cast<gid_t>(-1) &&
            ::chown(path_.c_str(), static_cast<uid_t>(-1), gid) != 0) {
            spdlog::error("chown({}) failed: errno {}", path_, errno);
            return make_error(Errc::io_error, fmt::format("cannot give {} to group {}", path_,
                                                          options.socket_group));
        }
        if (::chmod(path_.c_str(), 0660) != 0) {
            spdlog::error("chmod({}) failed: errno {}", path_, errno);
            return make_error(Errc::io_error, fmt::format("cannot set the mode of {}", path_));
        }
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            return make_error(Errc::io_error,
                              fmt::format("listen on {} failed: {}", path_, ec.message()));
        accept();
        return {};
    }

    void broadcast(const std::string& line) override { sessions_.broadcast(line); }

    void close() override {
        if (!acceptor_.is_open()) return;
        boost::system::error_code ec;
        acceptor_.close(ec);
        sessions_.close_all();
        std::filesystem::remove(path_, ec);
    }

    std::size_t connection_count() const override { return sessions_.count(); }

  private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) {
                Peer peer = identify(socket);
                auto session = std::make_shared<Session>(std::move(socket), handler_, peer);
                sessions_.add(session);
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
    SessionList<Session> sessions_;
};

}  // namespace

Result<std::unique_ptr<IpcServer>> start_ipc_server(asio::io_context& io,
                                                    const IpcServerOptions& options,
                                                    RequestHandler handler) {
    auto server = std::make_unique<UnixIpcServer>(io, std::move(handler), options.endpoint);
    if (auto st = server->listen(options); !st) return st.error();
    return std::unique_ptr<IpcServer>(std::move(server));
}

}  // namespace credwatch
