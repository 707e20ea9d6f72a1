// Linux: a NETLINK_ROUTE socket subscribed to link, address and IPv4 route changes, read on the
// io_context through Boost.Asio's generic raw protocol. The messages are not parsed: any one is
// a change, and the caller debounces.

#include "network_watch.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <boost/asio/generic/raw_protocol.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace credwatch {

namespace {

using boost::asio::generic::raw_protocol;

class NetlinkWatch final : public NetworkWatch {
  public:
    NetlinkWatch(boost::asio::io_context& io, std::function<void()> changed)
        : socket_(io), changed_(std::move(changed)) {}

    Status open() {
        boost::system::error_code ec;
        socket_.open(raw_protocol(AF_NETLINK, NETLINK_ROUTE), ec);
        if (ec) return make_error(Errc::io_error, "netlink socket: " + ec.message());
        sockaddr_nl address{};
        address.nl_family = AF_NETLINK;
        address.nl_groups =
            RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE;
        boost::asio::generic::basic_endpoint<raw_protocol> endpoint(&address, sizeof address,
                                                                    NETLINK_ROUTE);
        socket_.bind(endpoint, ec);
        if (ec) return make_error(Errc::io_error, "netlink bind: " + ec.message());
        receive();
        return {};
    }

  private:
    void receive() {
        socket_.async_receive(boost::asio::buffer(buffer_),
                              [this](boost::system::error_code ec, std::size_t) {
                                  if (ec == boost::asio::error::operation_aborted) return;
                                  // ENOBUFS: messages were lost, which is a change too.
                                  changed_();
                                  if (ec && ec != boost::asio::error::no_buffer_space) return;
                                  receive();
                              });
    }

    raw_protocol::socket socket_;
    std::function<void()> changed_;
    std::array<char, 8192> buffer_{};
};

}  // namespace

Result<std::unique_ptr<NetworkWatch>> watch_network(boost::asio::io_context& io,
                                                    std::function<void()> changed) {
    auto watch = std::make_unique<NetlinkWatch>(io, std::move(changed));
    if (auto st = watch->open(); !st) return st.error();
    return std::unique_ptr<NetworkWatch>(std::move(watch));
}

}  // namespace credwatch
