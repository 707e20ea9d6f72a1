#pragma once
// Time is injected: production code asks a Clock, tests move a ManualClock.

#include <chrono>
#include <mutex>

namespace credwatch {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
  public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class ManualClock final : public Clock {
  public:
    explicit ManualClock(TimePoint start) : now_(start) {}
    TimePoint now() const override {
        std::lock_guard lock(mutex_);
        return now_;
    }
    void set(TimePoint t) {
        std::lock_guard lock(mutex_);
        now_ = t;
    }
    void advance(std::chrono::system_clock::duration d) {
        std::lock_guard lock(mutex_);
        now_ += d;
    }

  private:
    mutable std::mutex mutex_;
    TimePoint now_;
};

}  // namespace credwatch
