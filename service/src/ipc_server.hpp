#pragma once
// The service's side of the IPC: accepts local clients, reads one JSON request per line and
// writes the handler's reply. Platform implementations: posix/ (Unix socket), windows/ (pipe).

#include "credwatch/base/error.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>

namespace credwatch {

// Who is on the other end, as the OS tells it (never as the client claims).
struct Peer {
    std::string user;         // OS user name
    bool privileged = false;  // root / LocalSystem / Administrators / the service's own account
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

struct IpcServerOptions {
    std::string endpoint;      // socket path or pipe name
    std::string socket_group;  // POSIX: group given access (mode 0660); empty = the service's own
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
