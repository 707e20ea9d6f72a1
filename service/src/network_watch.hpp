#pragma once
// Network changes (addresses, links, routes) as the OS announces them: netlink on Linux
// (service/posix/network_watch.cpp), NotifyIpInterfaceChange and NotifyUnicastIpAddressChange on
// Windows (service/windows/network_watch.cpp). `changed` is called on the io_context thread;
// bursts are the caller's to debounce.

#include "credwatch/base/error.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>

namespace credwatch {

class NetworkWatch {
  public:
    virtual ~NetworkWatch() = default;
};

[[nodiscard]] Result<std::unique_ptr<NetworkWatch>> watch_network(boost::asio::io_context& io,
                                                                  std::function<void()> changed);

}  // namespace credwatch
