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

#include <algorithm>
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
        peer.account = "?";
        return peer;
    }
    peer.account = std::to_string(cred.uid);
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
    UnixIpcServer(asio::io_context& io, RequestHandler handler, std::string path, IpcLimits limits)
        : acceptor_(io),
          handler_(std::move(handler)),
          path_(std::move(path)),
          limits_(limits),
          retry_timer_(io) {}
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
        retry_timer_.cancel();
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
                accepted();
                take(std::move(socket));
            } else if (ec != asio::error::connection_aborted) {
                // EMFILE, ENFILE, ENOMEM, ENOBUFS: accepting again at once would fail again
                // (and log again) until something is freed; wait, longer each time.
                failed_to_accept(ec);
                return;
            }
            if (acceptor_.is_open()) accept();
        });
    }

    void take(local::socket socket) {
        Peer peer = identify(socket);
        auto session = std::make_shared<Session>(std::move(socket), handler_, peer, limits_);
        if (std::string why = sessions_.refusal(peer, limits_); !why.empty()) {
            refusals_.refused(why);
            session->refuse(
                protocol::serialize_error(nullptr, make_error(Errc::service_unavailable, why)));
            return;
        }
        refusals_.taken();
        sessions_.add(session);
        session->start();
    }

    // One log line when accepting starts to fail, one when it works again: not one per try.
    void failed_to_accept(const boost::system::error_code& ec) {
        ++failed_accepts_;
        if (failed_accepts_ == 1) {
            retry_delay_ = limits_.kAcceptRetryFirst;
            spdlog::error(
                "accept on {} failed: {}; pausing new connections, retrying from {} ms "
                "up to every {} ms",
                path_, ec.message(), retry_delay_.count(), limits_.kAcceptRetryMax.count());
        } else {
            retry_delay_ = std::min(retry_delay_ * 2, limits_.kAcceptRetryMax);
        }
        retry_timer_.expires_after(retry_delay_);
        retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
            if (!wait_ec && acceptor_.is_open()) accept();
        });
    }

    void accepted() {
        if (failed_accepts_ == 0) return;
        spdlog::info("accepting on {} again after {} failed attempts", path_, failed_accepts_);
        failed_accepts_ = 0;
    }

    local::acceptor acceptor_;
    RequestHandler handler_;
    std::string path_;
    IpcLimits limits_;
    asio::steady_timer retry_timer_;
    std::chrono::milliseconds retry_delay_{0};
    std::size_t failed_accepts_ = 0;
    RefusalLog refusals_;
    SessionList<Session> sessions_;
};

}  // namespace

Result<std::unique_ptr<IpcServer>> start_ipc_server(asio::io_context& io,
                                                    const IpcServerOptions& options,
                                                    RequestHandler handler) {
    auto server =
        std::make_unique<UnixIpcServer>(io, std::move(handler), options.endpoint, options.limits);
    if (auto st = server->listen(options); !st) return st.error();
    return std::unique_ptr<IpcServer>(std::move(server));
}

}  // namespace credwatch
