#pragma once
// SNTP (RFC 4330) client packets: one request, and the checks a reply must pass before its
// timestamps are believed.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <span>

namespace credwatch::checks {

constexpr std::size_t kSntpPacketSize = 48;

// 64-bit NTP timestamp (seconds since 1900 in the high 32 bits, fraction in the low 32).
std::uint64_t to_ntp_timestamp(TimePoint t);
TimePoint from_ntp_timestamp(std::uint64_t ntp);

// A client request (version 4, mode 3) whose transmit timestamp is `transmit`.
std::array<std::uint8_t, kSntpPacketSize> make_sntp_request(TimePoint transmit);

struct SntpReply {
    int stratum = 0;
    TimePoint receive;   // T2: the server received the request
    TimePoint transmit;  // T3: the server sent the reply
};

// Errc::parse_error naming the reason: short packet, not a server reply (mode 4), an
// unsynchronised server (leap indicator 3, stratum 0 = kiss-o'-death, stratum > 15), an
// originate timestamp that is not our request's (a stray or spoofed reply), a zero transmit time.
[[nodiscard]] Result<SntpReply> decode_sntp_reply(std::span<const std::uint8_t> packet,
                                                  std::uint64_t request_transmit);

// RFC 4330 section 5: ((T2 - T1) + (T3 - T4)) / 2, positive when the local clock is behind.
std::chrono::milliseconds sntp_offset(TimePoint t1, const SntpReply& reply, TimePoint t4);

}  // namespace credwatch::checks
