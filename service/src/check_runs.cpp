#include "check_runs.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/protocol.hpp"
#include "credwatch/notify/text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <utility>

namespace credwatch {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// How often the schedule is looked at (a run starts at most this late).
constexpr auto kPollEvery = std::chrono::steady_clock::duration(1min);
// "run_checks" more often than this answers the last results.
constexpr auto kRunNowAtMostEvery = 30s;
// A check that fails again this soon after it recovered does not mail again: flapping is one
// reminder, not one per run.
constexpr auto kQuietAfterReminder = 24h;

bool runs_in_service(CheckKind kind) {
    // A user's Credential Manager and certificate stores: the tray's and doctor's to check.
    return kind != CheckKind::credential_present && kind != CheckKind::certificate_present;
}

json::value optional_time(const std::optional<TimePoint>& t) {
    return t ? json::value(format_utc(*t)) : json::value(nullptr);
}

}  // namespace

json::object to_json(const ServiceCheck& c) {
    const CheckDefinition& d = c.check;
    json::object o{{"system", d.system},        {"id", d.id},
                   {"kind", to_string(d.kind)}, {"severity", to_string(d.severity)},
                   {"title_ja", d.title_ja},    {"title_en", d.title_en},
                   {"fix_ja", d.fix_ja},        {"fix_en", d.fix_en},
                   {"manual", d.manual}};
    if (c.record) {
        o["state"] = to_string(c.record->state);
        o["evidence_ja"] = c.record->evidence_ja;
        o["evidence_en"] = c.record->evidence_en;
        o["checked_at"] = format_utc(c.record->checked_at);
        o["failing_since"] = optional_time(c.record->failing_since);
    }
    return o;
}

CheckRuns::CheckRuns(boost::asio::io_context& io, Store& store, const Clock& clock,
                     Maintenance& worker, Notifier* notifier, checks::Environment environment)
    : io_(io),
      store_(store),
      clock_(clock),
      worker_(worker),
      notifier_(notifier),
      environment_(std::move(environment)),
      poll_timer_(io),
      debounce_timer_(io) {}

CheckRuns::~CheckRuns() {
    stop();
}

void CheckRuns::configure(const Configuration& config, const CheckConfiguration& checks,
                          Lang lang) {
    config_ = &config;
    lang_ = lang;
    settings_ = checks.runs;
    const auto variable = environment_(kServiceChecksVariable);
    const bool switched_off = variable && *variable == "off";
    enabled_ = settings_.in_service && !switched_off;
    if (switched_off && settings_.in_service)
        spdlog::info("checks: the service does not run them ({}=off)", kServiceChecksVariable);
    else if (!settings_.in_service)
        spdlog::info("checks: the service does not run them ([checks] in_service = false)");

    // Keep what is known of a check that is still configured.
    std::map<std::pair<std::string, std::string>, CheckRecord> known;
    for (const auto& r : stored_) known.emplace(std::pair(r.system, r.id), r);
    for (const auto& c : checks_)
        if (c.record) known.insert_or_assign(std::pair(c.check.system, c.check.id), *c.record);
    checks_.clear();
    for (const auto& d : checks.checks) {
        if (!runs_in_service(d.kind) || !config.service.uses_system(d.system)) continue;
        ServiceCheck c{d, std::nullopt};
        if (auto it = known.find(std::pair(d.system, d.id)); it != known.end())
            c.record = it->second;
        checks_.push_back(std::move(c));
    }
    if (!last_run_)
        for (const auto& c : checks_)
            if (c.record && (!last_run_ || c.record->checked_at > *last_run_))
                last_run_ = c.record->checked_at;
    arm();  // a reload that turned them on
}

Status CheckRuns::start() {
    auto stored = store_.check_results();
    if (!stored) return stored.error();
    stored_ = std::move(*stored);
    started_at_ = clock_.now();
    started_ = true;
    // The results of an earlier process, for the checks still configured.
    for (auto& c : checks_)
        for (const auto& r : stored_)
            if (!c.record && r.system == c.check.system && r.id == c.check.id) c.record = r;
    for (const auto& c : checks_)
        if (c.record && (!last_run_ || c.record->checked_at > *last_run_))
            last_run_ = c.record->checked_at;
    arm();
    return {};
}

void CheckRuns::arm() {
    if (!started_ || !enabled_ || armed_) return;
    armed_ = true;
    auto watch = watch_network(io_, [this] { network_changed(); });
    if (watch)
        network_ = std::move(*watch);
    else
        spdlog::warn("checks: network changes are not watched: {}", watch.error().message);
    poll();
}

void CheckRuns::stop() {
    started_ = false;
    armed_ = false;
    alive_ = std::make_shared<char>(0);
    poll_timer_.cancel();
    debounce_timer_.cancel();
    network_.reset();
    running_ = false;
    waiting_.clear();
}

std::optional<TimePoint> CheckRuns::next_run() const {
    if (!enabled_ || !started_at_) return std::nullopt;
    const auto period = std::chrono::hours(settings_.every_hours);
    if (!last_started_)
        return *started_at_ + std::chrono::minutes(settings_.first_run_after_minutes);
    TimePoint next = *last_started_ + period;
    // The wall clock went back: not a run in days, but one within the period from now.
    const TimePoint now = clock_.now();
    if (next > now + period) next = now + period;
    return next;
}

void CheckRuns::poll() {
    poll_timer_.expires_after(kPollEvery);
    poll_timer_.async_wait(
        [this, alive = std::weak_ptr<char>(alive_)](boost::system::error_code ec) {
            if (ec || alive.expired()) return;
            run_if_due();
            poll();
        });
}

void CheckRuns::run_if_due() {
    if (!enabled_ || !started_ || running_) return;
    if (auto next = next_run(); next && clock_.now() >= *next) start_run("scheduled");
}

void CheckRuns::network_changed() {
    if (!enabled_ || !started_) return;
    debounce_timer_.expires_after(std::chrono::seconds(settings_.network_change_quiet_seconds));
    debounce_timer_.async_wait(
        [this, alive = std::weak_ptr<char>(alive_)](boost::system::error_code ec) {
            if (ec || alive.expired()) return;
            start_run("network change");
        });
}

void CheckRuns::run_now(std::function<void(bool)> done) {
    if (!enabled_ || !started_) {
        done(false);
        return;
    }
    if (running_) {
        waiting_.push_back(std::move(done));
        return;
    }
    const TimePoint now = clock_.now();
    if (last_started_ && now >= *last_started_ && now - *last_started_ < kRunNowAtMostEvery) {
        done(true);
        return;
    }
    waiting_.push_back(std::move(done));
    start_run("requested");
}

void CheckRuns::start_run(std::string why) {
    if (running_) return;
    running_ = true;
    last_started_ = clock_.now();
    std::vector<CheckDefinition> definitions;
    for (const auto& c : checks_) definitions.push_back(c.check);
    spdlog::info("checks: running {} check(s) ({})", definitions.size(), why);
    const Clock& clock = clock_;
    worker_.run_off_thread<std::vector<checks::CheckReport>>(
        [definitions = std::move(definitions), environment = environment_, &clock] {
            checks::CheckContext context{clock, environment};
            return checks::run_checks(definitions, {}, context);
        },
        [this, alive = std::weak_ptr<char>(alive_)](std::vector<checks::CheckReport> reports) {
            if (alive.expired() || !running_) return;
            finish_run(std::move(reports));
        });
}

std::string CheckRuns::system_name(std::string_view system) const {
    if (config_)
        if (const System* s = config_->catalog.system(system))
            return lang_ == Lang::ja ? s->name_ja : s->name_en;
    return std::string(system);
}

void CheckRuns::finish_run(std::vector<checks::CheckReport> reports) {
    const TimePoint now = clock_.now();
    std::vector<CheckRecord> records;
    // Each check whose episode began (true) or ended (false) with this run.
    std::vector<std::pair<const ServiceCheck*, bool>> changes;
    for (auto& report : reports) {
        auto it = std::find_if(checks_.begin(), checks_.end(), [&](const ServiceCheck& c) {
            return c.check.system == report.check.system && c.check.id == report.check.id;
        });
        if (it == checks_.end()) continue;  // removed by a reload during the run
        const std::optional<CheckRecord> before = it->record;
        CheckRecord r;
        r.system = report.check.system;
        r.id = report.check.id;
        r.state = report.result.state;
        r.evidence_ja = report.result.evidence_ja;
        r.evidence_en = report.result.evidence_en;
        r.checked_at = now;
        r.notified_at = before ? before->notified_at : std::nullopt;
        const bool was_failing = before && before->failing_since;
        if (r.state == CheckState::failed) {
            r.failing_since = was_failing ? before->failing_since : std::optional(now);
            const bool quiet = r.notified_at && now >= *r.notified_at &&
                               now - *r.notified_at < kQuietAfterReminder;
            if (!was_failing && !quiet) {
                r.notified_at = now;
                changes.emplace_back(&*it, true);
            }
        } else if (was_failing && (r.state == CheckState::ok || r.state == CheckState::warning)) {
            changes.emplace_back(&*it, false);
        }
        it->record = r;
        records.push_back(std::move(r));
    }
    if (auto st = store_.save_check_results(records); !st)
        spdlog::error("checks: the results cannot be stored: {}", st.error().message);
    last_run_ = now;
    ++runs_finished_;
    running_ = false;
    int failed = 0;
    for (const auto& c : checks_)
        if (c.record && c.record->state == CheckState::failed) ++failed;
    spdlog::info("checks: {} result(s), {} failed", records.size(), failed);
    publish(changes);
    for (const auto& done : std::exchange(waiting_, {})) done(false);
}

void CheckRuns::publish(const std::vector<std::pair<const ServiceCheck*, bool>>& changes) {
    for (const auto& [check, failing] : changes) {
        const CheckDefinition& d = check->check;
        const CheckRecord& r = *check->record;
        const Lang mail_lang = notifier_ ? notifier_->mail_language() : lang_;
        const std::string name = system_name(d.system);
        if (failing) {
            ReminderText text = check_failing_text(
                d, r, name, mail_lang, notifier_ ? notifier_->organisation() : std::string());
            const std::string line =
                fmt::format("{}: {} ({})", check_path(d), d.title_en, r.evidence_en);
            spdlog::warn("check failing: {}", line);
            if (notifier_) notifier_->check_failing(text, line);
            if (ipc_) {
                json::object data = credwatch::to_json(*check);
                const ReminderText shown = check_failing_text(d, r, name, lang_);
                data["subject"] = shown.subject;
                data["body"] = shown.body;
                ipc_->broadcast(protocol::serialize_event("check-failing", std::move(data)));
            }
        } else {
            const std::string line = fmt::format("{}: {}", check_path(d), d.title_en);
            spdlog::info("check holds again: {}", line);
            if (notifier_) notifier_->check_recovered(line);
            if (ipc_)
                ipc_->broadcast(
                    protocol::serialize_event("check-recovered", credwatch::to_json(*check)));
        }
    }
    if (ipc_) ipc_->broadcast(protocol::serialize_event("checks-updated", to_json()));
    if (notifier_) {
        std::vector<CheckMetric> metrics;
        for (const auto& c : checks_)
            if (c.record) metrics.push_back({c.check.system, c.check.id, c.record->state});
        notifier_->checks_updated(std::move(metrics));
    }
}

json::object CheckRuns::to_json() const {
    json::array items;
    for (const auto& c : checks_)
        if (c.record) items.push_back(credwatch::to_json(c));
    return json::object{{"checks", std::move(items)},
                        {"last_run", optional_time(last_run_)},
                        {"next_run", optional_time(next_run())},
                        {"running", running_},
                        {"in_service", enabled_}};
}

}  // namespace credwatch
