#include "clock_watchdog.hpp"

#include <spdlog/spdlog.h>

namespace credwatch {

ClockWatchdog::ClockWatchdog(boost::asio::io_context& io, const Clock& clock, Callback on_change)
    : clock_(clock), on_change_(std::move(on_change)), timer_(io) {}

void ClockWatchdog::start() {
    reset();
    schedule();
}

void ClockWatchdog::stop() {
    timer_.cancel();
}

void ClockWatchdog::reset() {
    reset(std::chrono::steady_clock::now());
}

void ClockWatchdog::reset(SteadyTime steady_now) {
    last_wall_ = clock_.now();
    last_steady_ = steady_now;
    last_date_ = local_date(last_wall_);
}

void ClockWatchdog::check(SteadyTime steady_now) {
    const TimePoint wall = clock_.now();
    const auto drift = (wall - last_wall_) - (steady_now - last_steady_);
    const Date today = local_date(wall);
    last_wall_ = wall;
    last_steady_ = steady_now;
    if (drift > kJumpTolerance || drift < -kJumpTolerance) {
        spdlog::warn("the wall clock jumped by {} s",
                     std::chrono::duration_cast<std::chrono::seconds>(drift).count());
        last_date_ = today;
        on_change_("clock jump");
    } else if (today != last_date_) {
        last_date_ = today;
        on_change_("new day");
    }
}

void ClockWatchdog::schedule() {
    timer_.expires_after(kPeriod);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        check(std::chrono::steady_clock::now());
        schedule();
    });
}

}  // namespace credwatch
