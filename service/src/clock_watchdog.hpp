#pragma once
// Once a minute: notices a wall clock that jumped (compared with the monotonic clock) and a new
// local day, and says so through a callback. The wall clock is the injected Clock.

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <string_view>

namespace credwatch {

class ClockWatchdog {
  public:
    using SteadyTime = std::chrono::steady_clock::time_point;
    // `why` is "clock jump" or "new day".
    using Callback = std::function<void(std::string_view why)>;

    static constexpr std::chrono::seconds kPeriod{60};
    // A wall clock that moved this much further than the monotonic clock has jumped.
    static constexpr std::chrono::seconds kJumpTolerance{120};

    ClockWatchdog(boost::asio::io_context& io, const Clock& clock, Callback on_change);

    // Takes the clocks as they are now and ticks every kPeriod until stop().
    void start();
    void stop();
    // After a change noticed elsewhere (SCM time change, resume): the clocks as they are now.
    void reset();
    // One tick, with the monotonic time given (the timer passes steady_clock::now()).
    void check(SteadyTime steady_now);
    void reset(SteadyTime steady_now);

  private:
    void schedule();

    const Clock& clock_;
    Callback on_change_;
    boost::asio::steady_timer timer_;
    TimePoint last_wall_{};
    SteadyTime last_steady_{};
    Date last_date_{};
};

}  // namespace credwatch
