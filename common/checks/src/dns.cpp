#include "credwatch/checks/dns.hpp"

#include <optional>
#include <string>

namespace credwatch::checks {

namespace {

constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kClassIn = 1;

std::uint16_t u16(std::span<const std::uint8_t> m, std::size_t at) {
    return static_cast<std::uint16_t>((m[at] << 8) | m[at + 1]);
}

// The offset after the (possibly compressed) name at `at`; nullopt when it runs off the end.
std::optional<std::size_t> skip_name(std::span<const std::uint8_t> m, std::size_t at) {
    while (at < m.size()) {
        const std::uint8_t len = m[at];
        if (len == 0) return at + 1;
        if ((len & 0xC0) == 0xC0) return at + 2 <= m.size() ? std::optional(at + 2) : std::nullopt;
        if ((len & 0xC0) != 0) return std::nullopt;
        at += 1 + len;
    }
    return std::nullopt;
}

}  // namespace

Result<std::vector<std::uint8_t>> make_dns_query(std::uint16_t id, std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 253)
        return make_error(Errc::invalid_argument,
                          "\"" + std::string(name) + "\" is not a host name (length)");
    std::vector<std::uint8_t> m{static_cast<std::uint8_t>(id >> 8),
                                static_cast<std::uint8_t>(id),
                                0x01,
                                0x00,  // standard query, recursion desired
                                0,
                                1,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0};
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        const std::size_t len = dot - start;
        if (len == 0 || len > 63)
            return make_error(Errc::invalid_argument,
                              "\"" + std::string(name) + "\" is not a host name (label length)");
        m.push_back(static_cast<std::uint8_t>(len));
        m.insert(m.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                 name.begin() + static_cast<std::ptrdiff_t>(dot));
        start = dot + 1;
    }
    m.insert(m.end(), {0, 0, kTypeA, 0, kClassIn});
    return m;
}

Result<DnsAnswer> decode_dns_reply(std::span<const std::uint8_t> m, std::uint16_t id) {
    const auto bad = [](std::string_view why) {
        return make_error(Errc::parse_error, "malformed DNS reply: " + std::string(why));
    };
    if (m.size() < 12) return bad("shorter than its header");
    if (u16(m, 0) != id) return bad("another query's id");
    if ((m[2] & 0x80) == 0) return bad("not a response");
    DnsAnswer answer;
    answer.rcode = m[3] & 0x0F;
    const std::uint16_t questions = u16(m, 4);
    const std::uint16_t answers = u16(m, 6);
    std::size_t at = 12;
    for (std::uint16_t i = 0; i < questions; ++i) {
        auto next = skip_name(m, at);
        if (!next || *next + 4 > m.size()) return bad("truncated question");
        at = *next + 4;
    }
    for (std::uint16_t i = 0; i < answers; ++i) {
        auto next = skip_name(m, at);
        if (!next || *next + 10 > m.size()) return bad("truncated answer");
        at = *next;
        const std::uint16_t type = u16(m, at);
        const std::uint16_t klass = u16(m, at + 2);
        const std::uint16_t length = u16(m, at + 8);
        at += 10;
        if (at + length > m.size()) return bad("truncated record data");
        if (type == kTypeA && klass == kClassIn && length == 4)
            answer.addresses.push_back(std::to_string(m[at]) + "." + std::to_string(m[at + 1]) +
                                       "." + std::to_string(m[at + 2]) + "." +
                                       std::to_string(m[at + 3]));
        at += length;
    }
    return answer;
}

}  // namespace credwatch::checks
