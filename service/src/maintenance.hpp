#pragma once
// Daily housekeeping of the service (docs/reliability.md): tasks that run once per local
// calendar day, looked at every few minutes with a steady_timer and the injected clock, and
// work that runs off the io_context thread (its result is posted back). The database's daily
// integrity_check and verified backup are the first such tasks; others are added with
// add_daily_task.

#include "notifier.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/store/integrity.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace credwatch {

class Maintenance {
  public:
    Maintenance(boost::asio::io_context& io, const Clock& clock);
    ~Maintenance();  // waits for work in progress on the worker thread
    Maintenance(const Maintenance&) = delete;
    Maintenance& operator=(const Maintenance&) = delete;

    // `task` runs on the io_context once per local calendar day: at start() and then on the
    // first look after local midnight.
    void add_daily_task(std::string name, std::function<void()> task);
    void start();
    void stop();
    // Runs the tasks not yet run today (the timer calls it; tests call it after moving the clock).
    void run_due_tasks();

    // `work` on the maintenance thread, then `done(result)` on the io_context (not after stop()).
    template <class R>
    void run_off_thread(std::function<R()> work, std::function<void(R)> done) {
        boost::asio::post(worker_, [this, alive = std::weak_ptr<char>(alive_),
                                    work = std::move(work), done = std::move(done)]() mutable {
            R result = work();
            boost::asio::post(
                io_, [alive, done = std::move(done), result = std::move(result)]() mutable {
                    if (!alive.expired()) done(std::move(result));
                });
        });
    }

  private:
    struct Task {
        std::string name;
        std::function<void()> run;
        std::optional<Date> last_day;
    };
    void schedule();

    boost::asio::io_context& io_;
    const Clock& clock_;
    boost::asio::steady_timer timer_;
    std::vector<Task> tasks_;
    bool stopped_ = true;
    std::shared_ptr<char> alive_ = std::make_shared<char>(0);
    boost::asio::thread_pool worker_{1};
};

// What the status shows of the database: the last integrity check, the last backup, and a
// recovery at start.
struct StoreHealth {
    std::string integrity = "unknown";  // "ok" or "failed" once checked
    std::string check = "";             // "quick_check" (at start) or "integrity_check" (daily)
    std::optional<TimePoint> checked_at;
    std::string problem;  // what the failed check reported
    std::filesystem::path last_backup;
    std::optional<TimePoint> last_backup_at;
    std::string backup_error;  // the last backup failed: why
    RecoveryReport recovery;
};

boost::json::object to_json(const StoreHealth& health);

// The database's daily integrity_check (own read-only connection, off the io_context thread),
// then a verified backup into the backup folder and the rotation; a failure goes to the system
// log, to the administrators by e-mail, and into the status.
class StoreMaintenance {
  public:
    StoreMaintenance(Maintenance& maintenance, const Clock& clock, std::filesystem::path database,
                     Notifier& notifier, StoreHealth& health);
    void configure(const BackupSettings& settings);
    // Reports the recovery done at start everywhere a person looks (log, mail, status).
    void report_start(const RecoveryReport& report);
    void run_daily();

    const std::filesystem::path& backup_folder() const { return folder_; }
    const BackupPolicy& policy() const { return policy_; }

  private:
    Maintenance& maintenance_;
    const Clock& clock_;
    std::filesystem::path database_;
    Notifier& notifier_;
    StoreHealth& health_;
    std::filesystem::path folder_;
    BackupPolicy policy_;
    bool running_ = false;
};

// The text of a recovery for the system log and the administrators' mail.
std::string recovery_text(const RecoveryReport& report);

}  // namespace credwatch
