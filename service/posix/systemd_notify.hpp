#pragma once
// The service's side of systemd's notify protocol (Type=notify, WatchdogSec): READY=1 once it
// listens, RELOADING=1/READY=1 around a reload, STOPPING=1, and WATCHDOG=1 from the event loop
// itself, so that a loop that hangs stops the pings and systemd restarts the service. Outside
// systemd (no NOTIFY_SOCKET) every call does nothing.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace credwatch {

class SystemdNotifier {
  public:
    explicit SystemdNotifier(boost::asio::io_context& io);

    void ready();
    void reloading();
    void stopping();
    void status(std::string_view text);

    // Starts the watchdog pings when systemd asked for them (WATCHDOG_USEC); the interval is
    // half of systemd's timeout, as sd_watchdog_enabled(3) recommends.
    void start_watchdog();
    void stop_watchdog();

  private:
    void schedule_ping();

    boost::asio::steady_timer timer_;
    std::optional<std::chrono::microseconds> interval_;
};

}  // namespace credwatch
