#include "maintenance.hpp"

#include "credwatch/base/strings.hpp"
#include "credwatch/notify/event_ids.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace credwatch {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// How often the day is looked at: a task runs at most this long after local midnight.
constexpr auto kLookEvery = std::chrono::steady_clock::duration(10min);

json::value optional_time(const std::optional<TimePoint>& t) {
    return t ? json::value(format_utc(*t)) : json::value(nullptr);
}

}  // namespace

Maintenance::Maintenance(boost::asio::io_context& io, const Clock& clock)
    : io_(io), clock_(clock), timer_(io) {}

Maintenance::~Maintenance() {
    stop();
    worker_.join();
}

void Maintenance::add_daily_task(std::string name, std::function<void()> task) {
    tasks_.push_back(Task{std::move(name), std::move(task), std::nullopt});
}

void Maintenance::start() {
    stopped_ = false;
    run_due_tasks();
    schedule();
}

void Maintenance::stop() {
    stopped_ = true;
    alive_ = std::make_shared<char>(0);  // results still on their way are dropped
    timer_.cancel();
}

void Maintenance::run_due_tasks() {
    const Date today = local_date(clock_.now());
    for (auto& task : tasks_) {
        if (task.last_day && *task.last_day >= today) continue;
        task.last_day = today;
        spdlog::debug("maintenance: daily task {}", task.name);
        task.run();
    }
}

void Maintenance::schedule() {
    if (stopped_) return;
    timer_.expires_after(kLookEvery);
    timer_.async_wait([this, alive = std::weak_ptr<char>(alive_)](boost::system::error_code ec) {
        if (ec || alive.expired() || stopped_) return;
        run_due_tasks();
        schedule();
    });
}

json::object to_json(const StoreHealth& h) {
    json::object o{{"integrity", h.integrity},
                   {"check", h.check},
                   {"checked_at", optional_time(h.checked_at)},
                   {"problem", h.problem},
                   {"last_backup", path_to_utf8(h.last_backup)},
                   {"last_backup_at", optional_time(h.last_backup_at)},
                   {"backup_error", h.backup_error},
                   {"recovered_from", nullptr},
                   {"missing_since", nullptr},
                   {"started_empty", h.recovery.started_empty}};
    const RecoveryReport& r = h.recovery;
    if (r.recovered) {
        o["recovered_from"] = json::object{{"backup", path_to_utf8(r.restored_from)},
                                           {"taken_at", optional_time(r.backup_taken_at)},
                                           {"damaged_file", path_to_utf8(r.damaged_file)},
                                           {"problem", r.problem}};
        o["missing_since"] = optional_time(r.backup_taken_at);
        json::array lost;
        for (const auto& c : r.possibly_lost)
            lost.push_back(json::object{{"id", c.id},
                                        {"at", format_utc(c.at)},
                                        {"user", c.os_user},
                                        {"action", c.action},
                                        {"credential", c.target}});
        o["possibly_lost"] = std::move(lost);
        o["possibly_lost_complete"] = r.lost_list_complete;
    }
    return o;
}

std::string recovery_text(const RecoveryReport& r) {
    std::string text;
    if (r.started_empty) {
        text = fmt::format(
            "The database was damaged ({}). No good backup existed: credwatch-service was started "
            "with --recover-empty and runs on an EMPTY ledger. The damaged file was kept as {}.\n",
            r.problem, path_to_utf8(r.damaged_file));
    } else {
        text = fmt::format(
            "The database was damaged ({}) and has been restored from the backup {} taken {}. "
            "The damaged file was kept as {}.\n",
            r.problem, path_to_utf8(r.restored_from),
            r.backup_taken_at ? format_local(*r.backup_taken_at) : std::string("?"),
            path_to_utf8(r.damaged_file));
    }
    if (r.possibly_lost.empty()) {
        text += r.lost_list_complete
                    ? "No change recorded after the backup was found in the damaged file.\n"
                    : "Changes recorded after the backup could not be read from the damaged "
                      "file: check and record again what was done since then.\n";
    } else {
        for (const auto& c : r.possibly_lost)
            text += "recorded after the backup and possibly lost: " + describe(c) + "\n";
    }
    if (!r.lost_list_complete && !r.lost_list_problem.empty())
        text += "The damaged audit table could not be read to its end (" + r.lost_list_problem +
                "): the list may be incomplete.\n";
    return text;
}

StoreMaintenance::StoreMaintenance(Maintenance& maintenance, const Clock& clock, fs::path database,
                                   Notifier& notifier, StoreHealth& health)
    : maintenance_(maintenance),
      clock_(clock),
      database_(std::move(database)),
      notifier_(notifier),
      health_(health),
      folder_(backup_folder_for(database_)) {
    maintenance_.add_daily_task("integrity check and backup", [this] { run_daily(); });
}

void StoreMaintenance::configure(const BackupSettings& settings) {
    folder_ = backup_folder_for(
        database_, fs::path(std::u8string(settings.folder.begin(), settings.folder.end())));
    policy_ = BackupPolicy{settings.daily, settings.weekly, settings.monthly};
}

void StoreMaintenance::report_start(const RecoveryReport& report) {
    health_.recovery = report;
    // The store opened: it passed quick_check (a restored backup passed integrity_check).
    health_.integrity = "ok";
    health_.check = "quick_check";
    health_.checked_at = clock_.now();
    if (!report.recovered) return;
    const std::string text = recovery_text(report);
    spdlog::error("store: {}", text);
    notifier_.alert_administrators(report.started_empty
                                       ? "the database was damaged: started on an EMPTY ledger"
                                       : "the database was damaged and restored from a backup",
                                   text);
}

struct DailyOutcome {
    IntegrityResult check;
    TimePoint checked_at;
    Result<fs::path> backup = make_error(Errc::internal, "not run");
    std::string rotation_error;
};

void StoreMaintenance::run_daily() {
    if (running_) return;
    running_ = true;
    maintenance_.run_off_thread<DailyOutcome>(
        [database = database_, folder = folder_, policy = policy_, &clock = clock_] {
            DailyOutcome out;
            out.check = check_integrity(database, IntegrityLevel::full);
            out.checked_at = clock.now();
            if (!out.check.ok) return out;  // a damaged file is not copied over a good backup
            out.backup = write_rotated_backup(database, folder, out.checked_at);
            if (out.backup) {
                auto rotated = rotate_backups(folder, policy);
                if (!rotated) out.rotation_error = rotated.error().message;
            }
            return out;
        },
        [this](DailyOutcome out) {
            running_ = false;
            const bool was_ok = health_.integrity != "failed";
            health_.check = "integrity_check";
            health_.checked_at = out.checked_at;
            if (out.check.busy) return;  // no verdict: tomorrow again
            if (!out.check.ok) {
                health_.integrity = "failed";
                health_.problem = out.check.detail;
                const std::string text = fmt::format(
                    "PRAGMA integrity_check of {} failed: {}. No backup was made today; the "
                    "newest backup in {} is kept. Stop the service and start it again: it then "
                    "restores the newest good backup and lists what may be missing.",
                    path_to_utf8(database_), out.check.detail, path_to_utf8(folder_));
                spdlog::error("store: {}", text);
                if (was_ok) notifier_.alert_administrators("the database is damaged", text);
                return;
            }
            health_.integrity = "ok";
            health_.problem.clear();
            if (!out.backup) {
                health_.backup_error = out.backup.error().message;
                spdlog::error("store: daily backup failed: {}", health_.backup_error);
                notifier_.failure(events::kDatabaseError,
                                  "daily backup of the database failed: " + health_.backup_error);
                return;
            }
            health_.backup_error.clear();
            health_.last_backup = *out.backup;
            health_.last_backup_at = out.checked_at;
            if (!out.rotation_error.empty()) spdlog::warn("store: {}", out.rotation_error);
        });
}

}  // namespace credwatch
