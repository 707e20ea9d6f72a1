#include "credwatch/checks/sntp.hpp"

#include <string>

namespace credwatch::checks {

namespace {

constexpr std::uint64_t kNtpToUnixSeconds = 2208988800ULL;  // 1900-01-01 to 1970-01-01

std::uint64_t read_u64(std::span<const std::uint8_t> p, std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | p[at + i];
    return v;
}

}  // namespace

std::uint64_t to_ntp_timestamp(TimePoint t) {
    using namespace std::chrono;
    const auto since_epoch = duration_cast<nanoseconds>(t.time_since_epoch()).count();
    const auto seconds = static_cast<std::uint64_t>(since_epoch / 1000000000LL) + kNtpToUnixSeconds;
    const auto nanos = static_cast<std::uint64_t>(since_epoch % 1000000000LL);
    const std::uint64_t fraction = (nanos << 32) / 1000000000ULL;
    return (seconds << 32) | fraction;
}

TimePoint from_ntp_timestamp(std::uint64_t ntp) {
    using namespace std::chrono;
    const auto seconds =
        static_cast<long long>(ntp >> 32) - static_cast<long long>(kNtpToUnixSeconds);
    const auto nanos = static_cast<long long>(((ntp & 0xffffffffULL) * 1000000000ULL) >> 32);
    return TimePoint(
        duration_cast<system_clock::duration>(std::chrono::seconds(seconds) + nanoseconds(nanos)));
}

std::array<std::uint8_t, kSntpPacketSize> make_sntp_request(TimePoint transmit) {
    std::array<std::uint8_t, kSntpPacketSize> p{};
    p[0] = (0 << 6) | (4 << 3) | 3;  // LI 0, version 4, mode 3 (client)
    const std::uint64_t ts = to_ntp_timestamp(transmit);
    for (std::size_t i = 0; i < 8; ++i) p[40 + i] = static_cast<std::uint8_t>(ts >> (56 - 8 * i));
    return p;
}

Result<SntpReply> decode_sntp_reply(std::span<const std::uint8_t> packet,
                                    std::uint64_t request_transmit) {
    if (packet.size() < kSntpPacketSize)
        return make_error(
            Errc::parse_error,
            "SNTP reply too short: " + std::to_string(packet.size()) + " bytes (48 needed)");
    const int leap = packet[0] >> 6;
    const int version = (packet[0] >> 3) & 7;
    const int mode = packet[0] & 7;
    const int stratum = packet[1];
    if (mode != 4)
        return make_error(Errc::parse_error, "not an SNTP server reply (mode " +
                                                 std::to_string(mode) + ", 4 expected)");
    if (version < 1 || version > 4)
        return make_error(Errc::parse_error,
                          "SNTP version " + std::to_string(version) + " unknown");
    if (stratum == 0)
        return make_error(Errc::parse_error, "the server refused to answer (kiss-o'-death)");
    if (stratum > 15 || leap == 3)
        return make_error(Errc::parse_error, "the server's own clock is not synchronised");
    if (read_u64(packet, 24) != request_transmit)
        return make_error(Errc::parse_error,
                          "the reply does not answer our request (originate timestamp differs)");
    const std::uint64_t transmit = read_u64(packet, 40);
    if (transmit == 0) return make_error(Errc::parse_error, "the reply has no transmit time");
    SntpReply reply;
    reply.stratum = stratum;
    reply.receive = from_ntp_timestamp(read_u64(packet, 32));
    reply.transmit = from_ntp_timestamp(transmit);
    return reply;
}

std::chrono::milliseconds sntp_offset(TimePoint t1, const SntpReply& reply, TimePoint t4) {
    using namespace std::chrono;
    const auto sum = (reply.receive - t1) + (reply.transmit - t4);
    return duration_cast<milliseconds>(sum / 2);
}

}  // namespace credwatch::checks
