#include "systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstring>
#include <string>

namespace credwatch {

namespace {

void notify(std::string_view state) {
    const std::string text(state);
    const int rc = ::sd_notify(0, text.c_str());
    // rc == 0: not started by systemd; < 0: the socket refused it. Neither stops the service.
    if (rc < 0) spdlog::warn("systemd notification \"{}\" failed: {}", text, std::strerror(-rc));
}

}  // namespace

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io) : timer_(io) {}

void SystemdNotifier::ready() {
    notify("READY=1");
}

void SystemdNotifier::reloading() {
    notify("RELOADING=1");
}

void SystemdNotifier::stopping() {
    notify("STOPPING=1");
}

void SystemdNotifier::status(std::string_view text) {
    std::string line = "STATUS=";
    for (char c : text) line += c == '\n' ? ' ' : c;
    notify(line);
}

void SystemdNotifier::start_watchdog() {
    std::uint64_t usec = 0;
    const int rc = ::sd_watchdog_enabled(0, &usec);
    if (rc < 0) {
        spdlog::warn("systemd watchdog settings are invalid ({}); not sending pings",
                     std::strerror(-rc));
        return;
    }
    if (rc == 0 || usec == 0) return;
    interval_ = std::chrono::microseconds(usec / 2);
    spdlog::info("systemd watchdog: a ping every {} ms", interval_->count() / 1000);
    notify("WATCHDOG=1");
    schedule_ping();
}

void SystemdNotifier::stop_watchdog() {
    timer_.cancel();
}

void SystemdNotifier::schedule_ping() {
    timer_.expires_after(*interval_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        notify("WATCHDOG=1");
        schedule_ping();
    });
}

}  // namespace credwatch
