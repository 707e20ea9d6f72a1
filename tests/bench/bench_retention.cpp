// Benchmark: the database of a clinic over many years, with and without the daily pruning of
// old rows (Store::prune_expired). Eight credentials: five passwords renewed every 60 days,
// three certificates/documents renewed yearly; a reminder at each threshold (30, 14, 7, 3, 1
// days), its mail queued and sent the next day, the reminder acknowledged the next day, the
// renewal recorded two days before the deadline, an issuance every 90 days. A ManualClock
// moves one day at a time on a real SQLite file. Prints row counts and the file size before
// and after VACUUM; it asserts nothing timed.
//
//   bench_retention [--years N] [--retention-years N] [--dir PATH] [--check]
//
// --retention-years sets all three retention times (default: 10 audit, 2 reminders and mail).
// --check exits 1 unless the pruned run deleted old reminders, mail and audit rows and kept
// fewer rows than the unpruned one (the CTest test runs a short version with it).

#include "credwatch/base/civil_time.hpp"
#include "credwatch/store/store.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

using namespace credwatch;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

struct Tracked {
    std::string id;
    int period_days;
    Date renewed;
    std::int64_t generation = 1;
};

struct RunFigures {
    PruneCounts pruned;
    std::int64_t audit_rows = 0, reminder_rows = 0, outbox_rows = 0, issuance_rows = 0;
    std::uintmax_t bytes = 0, bytes_vacuumed = 0;
};

std::uintmax_t size_or_zero(const fs::path& p) {
    std::error_code ec;
    const auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

std::uintmax_t database_bytes(const fs::path& db) {
    return size_or_zero(db) + size_or_zero(db.string() + "-wal");
}

std::int64_t count_rows(sqlite3* db, std::string_view table) {
    sqlite3_stmt* stmt = nullptr;
    std::int64_t n = -1;
    const std::string sql = fmt::format("SELECT COUNT(*) FROM {}", table);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return n;
}

[[noreturn]] void fail(const std::string& what, const Error& e) {
    fmt::print(stderr, "bench_retention: {}: {}\n", what, e.message);
    std::exit(2);
}

template <class R>
auto must(R&& r, const std::string& what) {
    if (!r) fail(what, r.error());
    if constexpr (!std::is_same_v<std::decay_t<R>, Status>) return std::move(*r);
}

RunFigures simulate(const fs::path& db, int years, bool prune, const RetentionPolicy& policy) {
    const Date first_day = std::chrono::year{2026} / January / 5;
    ManualClock clock{local_midnight(first_day) + 9h};
    RunFigures figures;
    {
        auto store = must(Store::open(db, clock), "open " + db.string());
        const Actor staff{"suzuki", "tray"};
        const Actor service{"SYSTEM", "service"};
        std::vector<Tracked> tracked;
        const std::array<std::string_view, 8> ids{"cancer-registry/user-password",
                                                  "orca/admin-password",
                                                  "online-billing/user-password",
                                                  "eligibility/operator-password",
                                                  "email/clinic-mailbox",
                                                  "orca-cloud/client-certificate",
                                                  "online-billing/client-certificate",
                                                  "cancer-registry/facility-document"};
        for (std::size_t i = 0; i < ids.size(); ++i) {
            Credential c;
            c.id = std::string(ids[i]);
            c.system = c.id.substr(0, c.id.find('/'));
            c.kind = c.id.substr(c.id.find('/') + 1);
            must(store->add_credential(c, staff), "add " + c.id);
            tracked.push_back({c.id, i < 5 ? 60 : 365, first_day});
            must(store->record_renewal(c.id, first_day, staff), "first renewal");
            tracked.back().generation = 2;
        }
        Credential issuance;
        issuance.id = "cancer-registry/certificate-issuances";
        issuance.system = "cancer-registry";
        issuance.kind = "certificate-issuances";
        must(store->add_credential(issuance, staff), "add issuance");

        const OutboxRenderer mail = [](const Reminder& r) -> std::optional<OutboxMessage> {
            OutboxMessage m;
            m.recipients = {"情報システム <it@clinic.example.jp>"};
            m.subject = fmt::format("[credwatch] {} {}", r.credential_id, r.key);
            m.body = fmt::format(
                "{} の期限が近づいています。\n{} 日前のお知らせです。手順: 管理画面で変更し、"
                "credwatch に記録してください。\n",
                r.credential_id, r.days_left.value_or(0));
            return m;
        };
        constexpr std::array<int, 5> kThresholds{30, 14, 7, 3, 1};
        const int total_days = years * 365 + years / 4;
        for (int day = 0; day < total_days; ++day) {
            const Date today = sys_days(first_day) + days(day);
            clock.set(local_midnight(today) + 9h);
            // Yesterday's mail goes out and yesterday's reminders are acknowledged.
            for (const auto& entry : must(store->due_outbox(clock.now(), 100), "due outbox"))
                must(store->mark_sent(entry.id), "mark sent");
            for (const auto& r : must(store->reminders(true), "active reminders"))
                must(store->acknowledge(r.id, staff), "acknowledge");
            std::vector<DueReminder> due;
            for (auto& t : tracked) {
                const Date deadline = sys_days(t.renewed) + days(t.period_days);
                const int left = static_cast<int>((sys_days(deadline) - sys_days(today)).count());
                if (left == 2) {
                    must(store->record_renewal(t.id, today, staff), "renewal");
                    t.renewed = today;
                    ++t.generation;
                    continue;
                }
                for (int threshold : kThresholds) {
                    if (left != threshold) continue;
                    DueReminder d;
                    d.credential_id = t.id;
                    d.generation = t.generation;
                    d.key = fmt::format("d{}", threshold);
                    d.state = State::due_soon;
                    d.days_left = left;
                    d.deadline = local_midnight(deadline);
                    due.push_back(std::move(d));
                }
            }
            if (!due.empty()) must(store->raise(due, mail), "raise");
            if (day % 90 == 45) must(store->record_issuance(issuance.id, staff, "PC-1"), "issue");
            if (prune) {
                const auto pruned = must(store->prune_expired(policy, clock.now()), "prune");
                figures.pruned.audit += pruned.audit;
                figures.pruned.reminders += pruned.reminders;
                figures.pruned.outbox += pruned.outbox;
            }
        }
        (void)service;
    }
    figures.bytes = database_bytes(db);
    sqlite3* raw = nullptr;
    if (sqlite3_open(db.string().c_str(), &raw) != SQLITE_OK) {
        fmt::print(stderr, "bench_retention: cannot reopen {}\n", db.string());
        std::exit(2);
    }
    figures.audit_rows = count_rows(raw, "audit");
    figures.reminder_rows = count_rows(raw, "reminders");
    figures.outbox_rows = count_rows(raw, "outbox");
    figures.issuance_rows = count_rows(raw, "issuances");
    sqlite3_exec(raw, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    figures.bytes_vacuumed = database_bytes(db);
    return figures;
}

void print(std::string_view name, const RunFigures& f) {
    fmt::print(
        "{}: audit {} rows, reminders {}, outbox {}, issuances {}; pruned audit {}, reminders "
        "{}, outbox {}; file {:.1f} KiB, after VACUUM {:.1f} KiB\n",
        name, f.audit_rows, f.reminder_rows, f.outbox_rows, f.issuance_rows, f.pruned.audit,
        f.pruned.reminders, f.pruned.outbox, static_cast<double>(f.bytes) / 1024.0,
        static_cast<double>(f.bytes_vacuumed) / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);  // the store's migration and pruning notes
    int years = 10;
    int retention_years = 0;
    bool check = false;
    fs::path dir;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--years" && i + 1 < argc) {
            years = std::atoi(argv[++i]);
        } else if (arg == "--retention-years" && i + 1 < argc) {
            retention_years = std::atoi(argv[++i]);
        } else if (arg == "--dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (arg == "--check") {
            check = true;
        } else {
            fmt::print(stderr,
                       "usage: bench_retention [--years N] [--retention-years N] [--dir PATH] "
                       "[--check]\n");
            return 2;
        }
    }
    if (years < 1) {
        fmt::print(stderr, "bench_retention: --years must be at least 1\n");
        return 2;
    }
    RetentionPolicy policy;
    if (retention_years > 0) {
        policy.audit_years = policy.reminders_years = policy.outbox_years = retention_years;
    }
    test::TempDir temp("credwatch-bench-retention");
    if (dir.empty()) dir = temp.path();
    fs::create_directories(dir);
    fs::remove(dir / "pruned.db");
    fs::remove(dir / "unpruned.db");

    const auto started = steady_clock::now();
    const RunFigures pruned = simulate(dir / "pruned.db", years, true, policy);
    const RunFigures unpruned = simulate(dir / "unpruned.db", years, false, policy);
    const double seconds = duration<double>(steady_clock::now() - started).count();
    fmt::print(
        "{} years, 8 credentials + 1 issuance ledger, retention audit {} y, reminders {} y, "
        "outbox {} y ({:.1f} s)\n",
        years, policy.audit_years, policy.reminders_years, policy.outbox_years, seconds);
    print("pruned daily", pruned);
    print("never pruned", unpruned);
    if (check) {
        const bool ok = pruned.pruned.reminders > 0 && pruned.pruned.audit > 0 &&
                        pruned.reminder_rows < unpruned.reminder_rows &&
                        pruned.audit_rows < unpruned.audit_rows &&
                        pruned.issuance_rows == unpruned.issuance_rows;
        fmt::print("check: {}\n", ok ? "pruning happened, the issuance ledger is whole"
                                     : "FAILED: expected pruned rows and a whole ledger");
        return ok ? 0 : 1;
    }
    return 0;
}
