#pragma once
// The service's side of the IPC: accepts local clients, reads one JSON request per line and
// writes the handler's reply. Platform implementations: posix/ (Unix socket), windows/ (pipe).

#include "credwatch/base/error.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

namespace credwatch {

// Who is on the other end, as the OS tells it (never as the client claims).
struct Peer {
    std::string user;         // OS user name
    bool privileged = false;  // root / LocalSystem / Administrators / the service's own account
    std::string account;      // the OS's own id of that user (uid, SID): what limits count by
};

struct HandlerReply;
// Completes a deferred reply; call it once, on the io_context thread.
using Responder = std::function<void(HandlerReply)>;

struct HandlerReply {
    std::string line;        // the reply, '\n'-terminated
    bool subscribe = false;  // this connection wants pushed events from now on
    // Set when the answer comes later (work done off the io thread): the session calls it once
    // with a Responder and reads nothing more from that connection until the Responder has
    // been called, so replies stay in request order. Other connections are served meanwhile.
    std::function<void(Responder)> deferred;
};

using RequestHandler = std::function<HandlerReply(std::string_view line, const Peer& peer)>;

// What one local client may hold of the service, so that no client can exhaust it (and with
// it the reminders of everybody else). docs/security.md.
struct IpcLimits {
    // Replies queued for a client that does not read: past this the connection's requests are
    // no longer read until it drains; a subscriber that lets pushed events pile up past it is
    // dropped. The socket and pipe buffers hold the rest, outside the service.
    static constexpr std::size_t kMaxQueuedReplyBytes = 1024 * 1024;
    // Connections at once from one OS user, and from everybody: the next one is refused.
    static constexpr std::size_t kMaxConnectionsPerUser = 32;
    static constexpr std::size_t kMaxConnections = 256;
    // A connection that is not subscribed and moves no bytes for this long is closed.
    static constexpr std::chrono::milliseconds kIdleTimeout = std::chrono::minutes(5);
    // Accepting that fails (out of descriptors or memory) pauses this long, doubling up to
    // kAcceptRetryMax, instead of spinning.
    static constexpr std::chrono::milliseconds kAcceptRetryFirst{50};
    static constexpr std::chrono::milliseconds kAcceptRetryMax{5000};

    std::size_t max_queued_reply_bytes = kMaxQueuedReplyBytes;
    std::size_t max_connections_per_user = kMaxConnectionsPerUser;
    std::size_t max_connections = kMaxConnections;
    std::chrono::milliseconds idle_timeout = kIdleTimeout;
};

// The limits, with the idle timeout shortened by CREDWATCH_IPC_IDLE_TIMEOUT_MS when set (the
// integration tests; only whoever starts the service sets its environment).
inline IpcLimits ipc_limits_from_environment() {
    IpcLimits limits;
    if (const char* ms = std::getenv("CREDWATCH_IPC_IDLE_TIMEOUT_MS"); ms && *ms) {
        char* end = nullptr;
        long long value = std::strtoll(ms, &end, 10);
        if (end && *end == '\0' && value > 0)
            limits.idle_timeout = std::chrono::milliseconds(value);
    }
    return limits;
}

struct IpcServerOptions {
    std::string endpoint;      // socket path or pipe name
    std::string socket_group;  // POSIX: group given access (mode 0660); empty = the service's own
    IpcLimits limits = ipc_limits_from_environment();
};

class IpcServer {
  public:
    virtual ~IpcServer() = default;
    // Sends an event line to every subscribed connection.
    virtual void broadcast(const std::string& line) = 0;
    virtual void close() = 0;
    virtual std::size_t connection_count() const = 0;
};

[[nodiscard]] Result<std::unique_ptr<IpcServer>> start_ipc_server(boost::asio::io_context& io,
                                                                  const IpcServerOptions& options,
                                                                  RequestHandler handler);

}  // namespace credwatch
