// The daily tasks of the service: run once per local day, moved by a ManualClock (no sleeping).

#include "maintenance.hpp"
#include "service_core.hpp"
#include "temp_dir.hpp"

#include "credwatch/notify/system_log.hpp"
#include "credwatch/store/integrity.hpp"

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

using namespace credwatch;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

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

// A relative --data-dir: the backups the service writes (DATA_DIR/backups) are the ones the
// next start restores from, not a folder resolved twice (DATA_DIR/DATA_DIR/backups).
TEST(StoreRecovery, ARelativeDataDirectoryFindsItsOwnBackups) {
    test::TempDir dir{"credwatch-relative"};
    struct Cwd {
        fs::path saved = fs::current_path();
        ~Cwd() { fs::current_path(saved); }
    } cwd;
    fs::current_path(dir.path());
    ManualClock clock{local_midnight(std::chrono::year_month_day{
        std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{20}})};
    const fs::path data = "data";
    const auto options = [&] {
        ServiceOptions o;
        o.data_dir = data;
        o.system_log = make_null_system_log();
        return o;
    };
    {
        boost::asio::io_context io;
        ServiceCore core(io, options(), clock);
        ASSERT_TRUE(core.start());
        core.stop();
    }
    auto backup = write_rotated_backup(data / "credwatch.db", data / "backups", clock.now());
    ASSERT_TRUE(backup) << backup.error().message;
    fs::resize_file(data / "credwatch.db", 0);  // emptied: damaged for the service

    clock.advance(24h);
    boost::asio::io_context io;
    ServiceCore core(io, options(), clock);
    auto started = core.start();
    ASSERT_TRUE(started) << started.error().message;
    auto status =
        core.handle_line(R"({"v":1,"id":1,"method":"status","params":{}})", Peer{"root", true, {}});
    EXPECT_NE(status.line.find("\"recovered_from\":{"), std::string::npos) << status.line;
    core.stop();
}
