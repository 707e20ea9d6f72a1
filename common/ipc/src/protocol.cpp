#include "credwatch/ipc/protocol.hpp"

#include <fmt/format.h>

namespace credwatch::protocol {

namespace json = boost::json;

namespace {

Error bad(std::string message) {
    return make_error(Errc::protocol_error, std::move(message));
}

std::string finish(json::object obj) {
    std::string out = json::serialize(obj);
    out.push_back('\n');
    return out;
}

}  // namespace

Result<Request> parse_request(std::string_view line, json::value& id_out) {
    id_out = nullptr;
    if (line.size() > kMaxLineBytes)
        return bad(
            fmt::format("message of {} bytes exceeds the limit of {}", line.size(), kMaxLineBytes));
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) return bad(fmt::format("malformed JSON: {}", ec.message()));
    if (!v.is_object()) return bad("a request must be a JSON object");
    const json::object& obj = v.as_object();
    if (const auto* id = obj.if_contains("id")) {
        if (!id->is_int64() && !id->is_uint64() && !id->is_string() && !id->is_null())
            return bad("\"id\" must be a number or a string");
        id_out = *id;
    }
    const auto* ver = obj.if_contains("v");
    if (!ver) return bad("missing protocol version \"v\"");
    if (!ver->is_int64() && !ver->is_uint64()) return bad("\"v\" must be an integer");
    if (ver->to_number<std::int64_t>() != kVersion)
        return make_error(
            Errc::unsupported_version,
            fmt::format("protocol version {} is not supported (this service speaks {})",
                        ver->to_number<std::int64_t>(), kVersion));
    const auto* method = obj.if_contains("method");
    if (!method || !method->is_string()) return bad("missing \"method\" string");
    Request req;
    req.id = id_out;
    req.method = std::string(method->as_string());
    if (const auto* params = obj.if_contains("params")) {
        if (params->is_null()) {
        } else if (!params->is_object()) {
            return bad("\"params\" must be an object");
        } else {
            req.params = params->as_object();
        }
    }
    return req;
}

std::string serialize_request(const json::value& id, std::string_view method,
                              const json::object& params) {
    return finish({{"v", kVersion}, {"id", id}, {"method", method}, {"params", params}});
}

std::string serialize_result(const json::value& id, json::value result) {
    return finish({{"v", kVersion}, {"id", id}, {"result", std::move(result)}});
}

std::string serialize_error(const json::value& id, const Error& error) {
    return finish({{"v", kVersion},
                   {"id", id},
                   {"error", {{"code", to_string(error.code)}, {"message", error.message}}}});
}

std::string serialize_event(std::string_view event, json::value data) {
    return finish({{"v", kVersion}, {"event", event}, {"data", std::move(data)}});
}

std::optional<Errc> errc_from_string(std::string_view text) {
    for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
        auto code = static_cast<Errc>(i);
        if (to_string(code) == text) return code;
    }
    return std::nullopt;
}

Result<Message> parse_message(std::string_view line) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) return bad(fmt::format("malformed JSON from the service: {}", ec.message()));
    if (!v.is_object()) return bad("a message from the service must be a JSON object");
    json::object& obj = v.as_object();
    const auto* ver = obj.if_contains("v");
    if (!ver || !ver->is_number() || ver->to_number<std::int64_t>() != kVersion)
        return make_error(Errc::unsupported_version, "the service speaks another protocol version");
    Message m;
    if (auto* id = obj.if_contains("id")) m.id = *id;
    if (auto* ev = obj.if_contains("event"); ev && ev->is_string()) {
        m.event = std::string(ev->as_string());
        if (auto* data = obj.if_contains("data")) m.result = *data;
        return m;
    }
    if (auto* err = obj.if_contains("error"); err && err->is_object()) {
        Error e{Errc::internal, ""};
        if (auto* code = err->as_object().if_contains("code"); code && code->is_string())
            e.code = errc_from_string(code->as_string()).value_or(Errc::internal);
        if (auto* msg = err->as_object().if_contains("message"); msg && msg->is_string())
            e.message = std::string(msg->as_string());
        m.error = std::move(e);
        return m;
    }
    if (auto* result = obj.if_contains("result")) {
        m.result = *result;
        return m;
    }
    return bad("a message from the service has neither result, error nor event");
}

Result<std::string> required_string(const json::object& params, std::string_view key) {
    const auto* v = params.if_contains(key);
    if (!v) return make_error(Errc::invalid_argument, fmt::format("missing parameter \"{}\"", key));
    if (!v->is_string())
        return make_error(Errc::invalid_argument,
                          fmt::format("parameter \"{}\" must be a string", key));
    return std::string(v->as_string());
}

Result<std::optional<std::string>> optional_string(const json::object& params,
                                                   std::string_view key) {
    const auto* v = params.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string())
        return make_error(Errc::invalid_argument,
                          fmt::format("parameter \"{}\" must be a string", key));
    return std::optional<std::string>{std::string(v->as_string())};
}

Result<std::optional<std::int64_t>> optional_int(const json::object& params, std::string_view key) {
    const auto* v = params.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::int64_t>{};
    if (v->is_int64()) return std::optional<std::int64_t>{v->as_int64()};
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return std::optional<std::int64_t>{static_cast<std::int64_t>(v->as_uint64())};
    return make_error(Errc::invalid_argument,
                      fmt::format("parameter \"{}\" must be an integer", key));
}

Result<std::int64_t> required_int(const json::object& params, std::string_view key) {
    auto v = optional_int(params, key);
    if (!v) return v.error();
    if (!*v)
        return make_error(Errc::invalid_argument, fmt::format("missing parameter \"{}\"", key));
    return **v;
}

}  // namespace credwatch::protocol
