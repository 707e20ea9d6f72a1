#include "check_runs.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/strings.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/ipc/protocol.hpp"
#include "credwatch/notify/text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>
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

// At most this many results in one report, and this much evidence per language: a session has a
// few checks, and a report is kept.
constexpr std::size_t kMaxReportedResults = 64;
// A session's reports closer than this answer the kept results: the tray reports at connect,
// hourly and on 再チェック, and no user fills the store or the system log by reporting in a loop.
constexpr auto kReportAtMostEvery = 5s;

using RecordKey = std::tuple<std::string, std::string, std::string>;  // system, id, user

RecordKey key_of(const CheckRecord& r) {
    return {r.system, r.id, r.user};
}

// The next record of a check from its result, and whether an episode began (true) or ended
// (false) with it. A failing episode is reminded once, and not again within a day of the last
// reminder (a flapping check).
std::optional<bool> advance(const std::optional<CheckRecord>& before, CheckRecord& r,
                            TimePoint now) {
    r.notified_at = before ? before->notified_at : std::nullopt;
    const bool was_failing = before && before->failing_since;
    if (r.state == CheckState::failed) {
        r.failing_since = was_failing ? before->failing_since : std::optional(now);
        const bool quiet =
            r.notified_at && now >= *r.notified_at && now - *r.notified_at < kQuietAfterReminder;
        if (!was_failing && !quiet) {
            r.notified_at = now;
            return true;
        }
    } else if (was_failing && (r.state == CheckState::ok || r.state == CheckState::warning)) {
        // An episode that began within the quiet time was never announced: nor is its end.
        const bool announced =
            before->notified_at && *before->notified_at >= *before->failing_since;
        if (announced) return false;
    }
    return std::nullopt;
}

bool same_check(const CheckDefinition& d, std::string_view system, std::string_view id) {
    return d.system == system && d.id == id;
}

}  // namespace

json::object to_json(const ServiceCheck& c) {
    const CheckDefinition& d = c.check;
    json::object o{{"system", d.system},        {"id", d.id},
                   {"kind", to_string(d.kind)}, {"severity", to_string(d.severity)},
                   {"title_ja", d.title_ja},    {"title_en", d.title_en},
                   {"fix_ja", d.fix_ja},        {"fix_en", d.fix_en},
                   {"manual", d.manual}};
    if (c.record && !c.record->user.empty()) o["user"] = c.record->user;
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

    // What this process knows of the checks before the reload is kept for those still there.
    for (const auto& c : checks_)
        if (c.record) known_.insert_or_assign(key_of(*c.record), *c.record);
    for (const auto& c : reported_)
        if (c.record) known_.insert_or_assign(key_of(*c.record), *c.record);
    checks_.clear();
    session_checks_.clear();
    for (const auto& d : checks.checks) {
        if (!config.service.uses_system(d.system)) continue;
        if (runs_in_a_session(d.kind)) {
            if (d.enabled) session_checks_.push_back(d);  // a disabled one is neither run nor kept
        } else {
            checks_.push_back({d, std::nullopt});
        }
    }
    attach_known_records();
    if (started_) write_metrics();  // a reload may have dropped checks or users' rows
    arm();                          // a reload that turned them on
}

Status CheckRuns::start() {
    auto stored = store_.check_results();
    if (!stored) return stored.error();
    // The results of an earlier process, for the checks still configured.
    for (auto& r : *stored) known_.emplace(key_of(r), std::move(r));
    started_at_ = clock_.now();
    started_ = true;
    attach_known_records();
    arm();
    return {};
}

void CheckRuns::attach_known_records() {
    for (auto& c : checks_)
        if (!c.record)
            if (auto it = known_.find({c.check.system, c.check.id, ""}); it != known_.end())
                c.record = it->second;
    reported_.clear();
    for (const auto& entry : known_) {
        // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
        const RecordKey& key = entry.first;
        const CheckRecord& record = entry.second;
        if (std::get<2>(key).empty()) continue;
        auto d = std::find_if(session_checks_.begin(), session_checks_.end(),
                              [&](const CheckDefinition& c) {
                                  return same_check(c, std::get<0>(key), std::get<1>(key));
                              });
        // A reload that named a session_user leaves the other users' rows behind.
        if (d != session_checks_.end() && is_session_user(*d, std::get<2>(key)))
            reported_.push_back({*d, record});
    }
    if (!last_run_)
        for (const auto& c : checks_)
            if (c.record && (!last_run_ || c.record->checked_at > *last_run_))
                last_run_ = c.record->checked_at;
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

std::string CheckRuns::system_name(std::string_view system, Lang lang) const {
    if (config_)
        if (const System* s = config_->catalog.system(system))
            return lang == Lang::ja ? s->name_ja : s->name_en;
    return std::string(system);
}

void CheckRuns::finish_run(std::vector<checks::CheckReport> reports) {
    const TimePoint now = clock_.now();
    std::vector<CheckRecord> records;
    Changes changes;
    for (auto& report : reports) {
        auto it = std::find_if(checks_.begin(), checks_.end(), [&](const ServiceCheck& c) {
            return same_check(c.check, report.check.system, report.check.id);
        });
        if (it == checks_.end()) continue;  // removed by a reload during the run
        CheckRecord r{report.check.system,
                      report.check.id,
                      "",
                      report.result.state,
                      report.result.evidence_ja,
                      report.result.evidence_en,
                      now,
                      {},
                      {}};
        if (auto change = advance(it->record, r, now)) changes.emplace_back(&*it, *change);
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

Result<CheckRuns::ReportKept> CheckRuns::report(const std::string& user,
                                                const std::vector<SessionCheckResult>& results) {
    if (user.empty() || user == "?")
        return make_error(Errc::permission_denied, "the caller's user is unknown");
    if (results.size() > kMaxReportedResults)
        return make_error(Errc::invalid_argument,
                          fmt::format("parameter \"results\": {} results, at most {} in one report",
                                      results.size(), kMaxReportedResults));
    // Everything is checked before anything is kept.
    std::vector<const CheckDefinition*> definitions;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const SessionCheckResult& r = results[i];
        const std::string name = fmt::format("results[{}] ({}/{})", i, r.system, r.id);
        auto d =
            std::find_if(session_checks_.begin(), session_checks_.end(),
                         [&](const CheckDefinition& c) { return same_check(c, r.system, r.id); });
        if (d == session_checks_.end())
            return make_error(Errc::invalid_argument,
                              fmt::format("{}: not a check of a user's session on this site (the "
                                          "service runs the machine's checks itself)",
                                          name));
        for (std::size_t j = 0; j < i; ++j)
            if (results[j].system == r.system && results[j].id == r.id)
                return make_error(Errc::invalid_argument,
                                  fmt::format("{}: the same check as results[{}]", name, j));
        if (!is_session_user(*d, user))
            return make_error(Errc::permission_denied,
                              fmt::format("{}: checked in the session of {}, not of {}", name,
                                          session_user_of(*d), user));
        for (const std::string* evidence : {&r.result.evidence_ja, &r.result.evidence_en}) {
            if (evidence->size() > kMaxReportedEvidenceBytes)
                return make_error(Errc::invalid_argument,
                                  fmt::format("{}: the evidence is longer than {} bytes", name,
                                              kMaxReportedEvidenceBytes));
            // It reaches terminals and windows: text, no control characters (a session cuts
            // and escapes its own evidence to this).
            if (escape_for_display(*evidence) != *evidence)
                return make_error(Errc::invalid_argument,
                                  fmt::format("{}: the evidence must be UTF-8 text without "
                                              "control characters (found \"{}\")",
                                              name, escape_for_display(*evidence)));
        }
        definitions.push_back(&*d);
    }
    if (results.empty()) return ReportKept{};
    const TimePoint now = clock_.now();
    if (auto last = last_report_.find(user); last != last_report_.end() && now >= last->second &&
                                             now - last->second < kReportAtMostEvery)
        return ReportKept{0, true};

    // The new records, worked out on copies: memory changes only once the store has them.
    std::vector<CheckRecord> records;
    std::vector<std::optional<bool>> changes;
    std::vector<std::optional<std::size_t>> rows;  // each record's index into reported_, if any
    for (std::size_t i = 0; i < results.size(); ++i) {
        const SessionCheckResult& reported = results[i];
        CheckRecord r{reported.system,
                      reported.id,
                      user,
                      reported.result.state,
                      reported.result.evidence_ja,
                      reported.result.evidence_en,
                      now,
                      {},
                      {}};
        auto it = std::find_if(reported_.begin(), reported_.end(), [&](const ServiceCheck& c) {
            return c.record && key_of(*c.record) == key_of(r);
        });
        const bool known = it != reported_.end();
        rows.push_back(known ? std::optional(static_cast<std::size_t>(it - reported_.begin()))
                             : std::nullopt);
        changes.push_back(advance(known ? it->record : std::nullopt, r, now));
        records.push_back(std::move(r));
    }
    CW_TRY(store_.save_check_results(records));
    last_report_[user] = now;
    std::vector<std::pair<std::size_t, bool>> changed;  // index into reported_
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (!rows[i]) {
            rows[i] = reported_.size();
            reported_.push_back({*definitions[i], std::nullopt});
        }
        reported_[*rows[i]].record = records[i];
        if (changes[i]) changed.emplace_back(*rows[i], *changes[i]);
    }
    spdlog::info("checks: {} result(s) of {}'s session", records.size(), user);
    Changes published;  // pointers taken once reported_ no longer grows
    for (const auto& [index, failing] : changed) published.emplace_back(&reported_[index], failing);
    publish(published);
    return ReportKept{records.size(), false};
}

void CheckRuns::publish(const Changes& changes) {
    for (const auto& [check, failing] : changes) {
        const CheckDefinition& d = check->check;
        const CheckRecord& r = *check->record;
        // A session's evidence is what a local user sent: it stays out of the system log, the
        // mail and the pushed events (all of which reach others), like report_certificates'.
        const bool reported = !r.user.empty();
        const std::string where =
            reported ? fmt::format("{} ({}'s session)", check_path(d), r.user) : check_path(d);
        if (failing) {
            const std::string line =
                reported ? fmt::format("{}: {}", where, d.title_en)
                         : fmt::format("{}: {} ({})", where, d.title_en, r.evidence_en);
            spdlog::warn("check failing: {}", line);
            if (notifier_) {
                const Lang mail_lang = notifier_->mail_language();
                notifier_->check_failing(check_failing_text(d, r, system_name(d.system, mail_lang),
                                                            mail_lang, notifier_->organisation()),
                                         line);
            }
            if (ipc_ && !reported) {
                json::object data = credwatch::to_json(*check);
                const ReminderText shown =
                    check_failing_text(d, r, system_name(d.system, lang_), lang_);
                data["subject"] = shown.subject;
                data["body"] = shown.body;
                ipc_->broadcast(protocol::serialize_event("check-failing", std::move(data)));
            }
        } else {
            const std::string line = fmt::format("{}: {}", where, d.title_en);
            spdlog::info("check holds again: {}", line);
            if (notifier_) notifier_->check_recovered(line);
            if (ipc_ && !reported)
                ipc_->broadcast(
                    protocol::serialize_event("check-recovered", credwatch::to_json(*check)));
        }
    }
    // Every subscriber gets it: the service's own results only (a session's are asked for).
    if (ipc_) ipc_->broadcast(protocol::serialize_event("checks-updated", to_json(std::string())));
    write_metrics();
}

void CheckRuns::write_metrics() {
    if (!notifier_) return;
    std::vector<CheckMetric> metrics;
    for (const auto* list : {&checks_, &reported_})
        for (const auto& c : *list)
            if (c.record)
                metrics.push_back({c.check.system, c.check.id, c.record->user, c.record->state});
    notifier_->checks_updated(std::move(metrics));
}

json::object CheckRuns::to_json(const std::optional<std::string>& only_user) const {
    json::array items;
    for (const auto& c : checks_)
        if (c.record) items.push_back(credwatch::to_json(c));
    for (const auto& c : reported_)
        if (c.record && (!only_user || c.record->user == *only_user))
            items.push_back(credwatch::to_json(c));
    json::array session;
    for (const auto& d : session_checks_) session.push_back(credwatch::to_json(d));
    return json::object{{"checks", std::move(items)},
                        {"session_checks", std::move(session)},
                        {"last_run", optional_time(last_run_)},
                        {"next_run", optional_time(next_run())},
                        {"running", running_},
                        {"in_service", enabled_}};
}

}  // namespace credwatch
