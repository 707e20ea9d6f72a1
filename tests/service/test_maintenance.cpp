// The daily tasks of the service: run once per local day, moved by a ManualClock (no sleeping).

#include "maintenance.hpp"

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <optional>
#include <thread>

using namespace credwatch;
using namespace std::chrono_literals;

namespace {

TEST(Maintenance, DailyTasksRunOncePerLocalDay) {
    boost::asio::io_context io;
    ManualClock clock{local_midnight(std::chrono::year_month_day{
                          std::chrono::year{2026}, std::chrono::month{3}, std::chrono::day{10}}) +
                      23h};
    Maintenance maintenance(io, clock);
    int integrity = 0, retention = 0;
    maintenance.add_daily_task("integrity", [&] { ++integrity; });
    maintenance.add_daily_task("retention", [&] { ++retention; });
    maintenance.start();  // the first run is at start
    EXPECT_EQ(integrity, 1);
    EXPECT_EQ(retention, 1);
    clock.advance(30min);  // 23:30, the same day
    maintenance.run_due_tasks();
    EXPECT_EQ(integrity, 1);
    clock.advance(40min);  // 00:10 the next day
    maintenance.run_due_tasks();
    maintenance.run_due_tasks();
    EXPECT_EQ(integrity, 2);
    EXPECT_EQ(retention, 2);
    clock.advance(24h * 3);  // the service was asleep: once, not three times
    maintenance.run_due_tasks();
    EXPECT_EQ(integrity, 3);
    maintenance.stop();
}

TEST(Maintenance, WorkRunsOffThreadAndItsResultComesBackOnTheIoContext) {
    boost::asio::io_context io;
    ManualClock clock{std::chrono::system_clock::now()};
    Maintenance maintenance(io, clock);
    auto keep_running = boost::asio::make_work_guard(io);  // run_for waits for the post
    const auto io_thread = std::this_thread::get_id();
    std::thread::id worker;
    std::optional<std::thread::id> done_on;
    maintenance.run_off_thread<int>(
        [&] {
            worker = std::this_thread::get_id();
            return 42;
        },
        [&](int result) {
            EXPECT_EQ(result, 42);
            done_on = std::this_thread::get_id();
        });
    for (int i = 0; i < 500 && !done_on; ++i) io.run_for(10ms);
    ASSERT_TRUE(done_on);
    EXPECT_EQ(*done_on, io_thread);
    EXPECT_NE(worker, io_thread);
}

}  // namespace
