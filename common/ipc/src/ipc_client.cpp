#include "credwatch/ipc/ipc_client.hpp"

#include <fmt/format.h>

namespace credwatch {

IpcClient::IpcClient(std::unique_ptr<platform::Transport> transport)
    : transport_(std::move(transport)) {}

Result<std::unique_ptr<IpcClient>> IpcClient::connect(const std::filesystem::path& data_dir,
                                                      std::chrono::milliseconds timeout) {
    auto endpoint = platform::ipc_endpoint(data_dir);
    auto transport = platform::connect(endpoint, timeout);
    if (!transport) return transport.error();
    return std::unique_ptr<IpcClient>(new IpcClient(std::move(*transport)));
}

Result<boost::json::value> IpcClient::call(std::string_view method, boost::json::object params,
                                           std::chrono::milliseconds timeout) {
    std::int64_t id = next_id_++;
    if (auto st = transport_->write(protocol::serialize_request(id, method, params)); !st)
        return st.error();
    for (;;) {
        auto line = transport_->read_line(timeout);
        if (!line) return line.error();
        auto message = protocol::parse_message(*line);
        if (!message) return message.error();
        if (message->event) {
            events_.push_back(std::move(*message));
            continue;
        }
        if (!message->id.is_int64() || message->id.as_int64() != id) continue;  // stale reply
        if (message->error) return *message->error;
        return std::move(message->result);
    }
}

Result<std::optional<protocol::Message>> IpcClient::next_event(std::chrono::milliseconds timeout) {
    if (!events_.empty()) {
        auto m = std::move(events_.front());
        events_.pop_front();
        return std::optional<protocol::Message>{std::move(m)};
    }
    if (!transport_->wait_readable(timeout)) return std::optional<protocol::Message>{};
    auto line = transport_->read_line(timeout);
    if (!line) return line.error();
    auto message = protocol::parse_message(*line);
    if (!message) return message.error();
    return std::optional<protocol::Message>{std::move(*message)};
}

}  // namespace credwatch
