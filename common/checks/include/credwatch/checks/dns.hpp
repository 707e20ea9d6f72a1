#pragma once
// A minimal DNS client message (RFC 1035): one question for the A records of a name, and the
// addresses of the answer. Used when a check names its resolver (a site's DNS server, or a test
// server on loopback) instead of the system resolver.

#include "credwatch/base/error.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::checks {

// Errc::invalid_argument for a name that is not a host name (empty label, a label over 63
// bytes, over 253 bytes in all).
[[nodiscard]] Result<std::vector<std::uint8_t>> make_dns_query(std::uint16_t id,
                                                               std::string_view name);

struct DnsAnswer {
    int rcode = 0;                       // 0 NOERROR, 3 NXDOMAIN, ...
    std::vector<std::string> addresses;  // dotted IPv4 of the A records, in answer order
};

// Errc::parse_error for a truncated or malformed message, a reply with another id or that is
// not a response.
[[nodiscard]] Result<DnsAnswer> decode_dns_reply(std::span<const std::uint8_t> message,
                                                 std::uint16_t id);

}  // namespace credwatch::checks
