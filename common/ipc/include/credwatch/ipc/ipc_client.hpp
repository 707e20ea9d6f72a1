#pragma once
// Client side of the IPC protocol, used by the CLI and the tray.

#include "credwatch/ipc/protocol.hpp"
#include "credwatch/platform/platform.hpp"

#include <deque>
#include <memory>

namespace credwatch {

class IpcClient {
  public:
    [[nodiscard]] static Result<std::unique_ptr<IpcClient>> connect(
        const std::filesystem::path& data_dir,
        std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // Sends a request and waits for its reply; events arriving meanwhile are queued.
    [[nodiscard]] Result<boost::json::value> call(
        std::string_view method, boost::json::object params = {},
        std::chrono::milliseconds timeout = std::chrono::seconds(60));
    // The next pushed event (after a "subscribe" call), or nullopt when none came in time.
    [[nodiscard]] Result<std::optional<protocol::Message>> next_event(
        std::chrono::milliseconds timeout);

  private:
    explicit IpcClient(std::unique_ptr<platform::Transport> transport);
    std::unique_ptr<platform::Transport> transport_;
    std::deque<protocol::Message> events_;
    std::int64_t next_id_ = 1;
};

}  // namespace credwatch
