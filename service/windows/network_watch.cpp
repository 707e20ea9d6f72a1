// Windows: NotifyIpInterfaceChange (IPv4 and IPv6 interfaces) and NotifyUnicastIpAddressChange
// (addresses). The callbacks run on a system thread: they only post to the io_context.
// CancelMibChangeNotify2 waits for a callback in progress, so the state they use outlives them.

#include "network_watch.hpp"

#include <boost/asio/post.hpp>

// clang-format off
#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>
// clang-format on

#include <memory>
#include <string>

namespace credwatch {

namespace {

struct Target {
    boost::asio::io_context& io;
    std::function<void()> changed;
    std::shared_ptr<char> alive = std::make_shared<char>(0);

    void post() {
        boost::asio::post(io, [this, alive = std::weak_ptr<char>(alive)] {
            if (!alive.expired()) changed();
        });
    }
};

void CALLBACK interface_changed(PVOID context, PMIB_IPINTERFACE_ROW, MIB_NOTIFICATION_TYPE) {
    static_cast<Target*>(context)->post();
}

void CALLBACK address_changed(PVOID context, PMIB_UNICASTIPADDRESS_ROW, MIB_NOTIFICATION_TYPE) {
    static_cast<Target*>(context)->post();
}

class IpHelperWatch final : public NetworkWatch {
  public:
    IpHelperWatch(boost::asio::io_context& io, std::function<void()> changed)
        : target_(std::make_unique<Target>(Target{io, std::move(changed)})) {}
    ~IpHelperWatch() override {
        if (interfaces_) ::CancelMibChangeNotify2(interfaces_);
        if (addresses_) ::CancelMibChangeNotify2(addresses_);
        target_->alive.reset();  // a change posted but not run yet is dropped
    }
    IpHelperWatch(const IpHelperWatch&) = delete;
    IpHelperWatch& operator=(const IpHelperWatch&) = delete;

    Status open() {
        DWORD rc = ::NotifyIpInterfaceChange(AF_UNSPEC, interface_changed, target_.get(), FALSE,
                                             &interfaces_);
        if (rc != NO_ERROR)
            return make_error(Errc::io_error,
                              "NotifyIpInterfaceChange failed: error " + std::to_string(rc));
        rc = ::NotifyUnicastIpAddressChange(AF_UNSPEC, address_changed, target_.get(), FALSE,
                                            &addresses_);
        if (rc != NO_ERROR)
            return make_error(Errc::io_error,
                              "NotifyUnicastIpAddressChange failed: error " + std::to_string(rc));
        return {};
    }

  private:
    std::unique_ptr<Target> target_;
    HANDLE interfaces_ = nullptr;
    HANDLE addresses_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<NetworkWatch>> watch_network(boost::asio::io_context& io,
                                                    std::function<void()> changed) {
    auto watch = std::make_unique<IpHelperWatch>(io, std::move(changed));
    if (auto st = watch->open(); !st) return st.error();
    return std::unique_ptr<NetworkWatch>(std::move(watch));
}

}  // namespace credwatch
