#pragma once
// The versioned JSON protocol between the service and its clients (CLI, tray).
// One JSON object per line (UTF-8, '\n'-terminated). See docs/ipc-protocol.md.

#include "credwatch/base/error.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace credwatch::protocol {

inline constexpr int kVersion = 1;
inline constexpr std::size_t kMaxLineBytes = 4 * 1024 * 1024;

struct Request {
    boost::json::value id;  // echoed in the reply; null when absent
    std::string method;
    boost::json::object params;
};

// Errc::protocol_error for anything malformed, Errc::unsupported_version for another major
// version. The partially parsed id (if any) is kept in `id_out` so the error reply can echo it.
[[nodiscard]] Result<Request> parse_request(std::string_view line, boost::json::value& id_out);

std::string serialize_request(const boost::json::value& id, std::string_view method,
                              const boost::json::object& params);
std::string serialize_result(const boost::json::value& id, boost::json::value result);
std::string serialize_error(const boost::json::value& id, const Error& error);
std::string serialize_event(std::string_view event, boost::json::value data);

// A message from the service: a reply (id + result/error) or a pushed event.
struct Message {
    boost::json::value id;
    std::optional<std::string> event;  // set for pushed events
    boost::json::value result;         // result or event data
    std::optional<Error> error;
};
[[nodiscard]] Result<Message> parse_message(std::string_view line);

std::optional<Errc> errc_from_string(std::string_view text);

// Typed access to request parameters, with errors that name the parameter.
[[nodiscard]] Result<std::string> required_string(const boost::json::object& params,
                                                  std::string_view key);
[[nodiscard]] Result<std::optional<std::string>> optional_string(const boost::json::object& params,
                                                                 std::string_view key);
[[nodiscard]] Result<std::optional<std::int64_t>> optional_int(const boost::json::object& params,
                                                               std::string_view key);
[[nodiscard]] Result<std::int64_t> required_int(const boost::json::object& params,
                                                std::string_view key);

}  // namespace credwatch::protocol
