#include "notifier.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/strings.hpp"
#include "credwatch/notify/event_ids.hpp"
#include "credwatch/notify/mail.hpp"
#include "credwatch/notify/smtp.hpp"
#include "credwatch/platform/files.hpp"
#include "credwatch/platform/platform.hpp"
#include "credwatch/platform/secret_file.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>

namespace credwatch {

using namespace std::chrono_literals;

namespace {

// The longest the loop sleeps: a wall clock that jumped, or mail queued by another process,
// is noticed within this.
constexpr auto kMaxSleep = std::chrono::steady_clock::duration(5min);
// After a store failure (locked, full or read-only database) the loop tries again after this,
// doubled at each further failure, at most kMaxSleep.
constexpr auto kStoreErrorRetry = std::chrono::steady_clock::duration(5s);

// Failures of the storage itself, which an administrator must fix (not a bug of the input).
bool is_storage_error(Errc code) {
    return code == Errc::database_error || code == Errc::database_locked ||
           code == Errc::disk_full || code == Errc::read_only || code == Errc::io_error;
}

}  // namespace

Notifier::Notifier(boost::asio::io_context& io, Store& store, const Clock& clock,
                   std::shared_ptr<SystemLog> system_log)
    : io_(io), store_(store), clock_(clock), log_(std::move(system_log)), timer_(io) {
    if (!log_) log_ = make_null_system_log();
    boost::system::error_code ec;
    host_ = boost::asio::ip::host_name(ec);
    if (ec || host_.empty()) host_ = "localhost";
}

Notifier::~Notifier() {
    stop();
    worker_.join();  // a send in progress is abandoned (cancel_) and returns quickly
}

void Notifier::stop() {
    stopped_ = true;
    cancel_->store(true);
    timer_.cancel();
}

void Notifier::configure(const Configuration& config) {
    email_ = config.email;
    metrics_ = config.metrics;
    organisation_ = config.service.organisation;
    service_language_ = config.service.language;
    if (email_.enabled)
        spdlog::info(
            "e-mail reminders: {} via {}:{} ({}), to {}, {}", email_.mode, email_.smtp_host,
            email_.smtp_port > 0
                ? email_.smtp_port
                : default_smtp_port(
                      smtp_security_from_string(email_.tls).value_or(SmtpSecurity::starttls)),
            email_.tls, join(email_.to, ", "),
            email_.username.empty() ? "no AUTH" : "AUTH as " + email_.username);
    if (!metrics_.textfile.empty()) spdlog::info("metrics textfile: {}", metrics_.textfile);
    kick();
}

Lang Notifier::mail_language() const {
    if (email_.language == "ja") return Lang::ja;
    if (email_.language == "en") return Lang::en;
    return resolve_language(service_language_);
}

std::optional<OutboxMessage> Notifier::render(const Reminder& reminder, const StatusRow& row,
                                              const std::vector<Procedure>& procedures,
                                              std::optional<Rule> rule) const {
    if (!email_.enabled) return std::nullopt;
    const Lang lang = mail_language();
    ReminderText text = reminder_text(reminder, row, procedures, lang, organisation_);
    return reminder_mail(std::move(text), mail::record_hint(lang, reminder.credential_id, rule));
}

OutboxMessage Notifier::reminder_mail(ReminderText text, std::string_view before_footer) const {
    // Vendors receive the mail of many clinics: the organisation leads the subject.
    constexpr std::string_view kPrefix = "[credwatch] ";
    if (!organisation_.empty() && text.subject.starts_with(kPrefix))
        text.subject =
            std::string(kPrefix) + organisation_ + " " + text.subject.substr(kPrefix.size());
    const bool digest = email_.mode == "digest";
    OutboxMessage m;
    m.kind = digest ? "digest_item" : "reminder";
    m.held = digest;
    m.recipients = email_.to;
    m.subject = std::move(text.subject);
    m.body = std::move(text.body) + std::string(before_footer);
    if (!digest) m.body += mail::footer(mail_language(), host_);
    return m;
}

void Notifier::reminder_raised(const Reminder& reminder, const std::string& subject) {
    log_->reminder(reminder, subject);
}

void Notifier::failure(int event_id, const std::string& text) {
    log_->failure(event_id, text);
}

void Notifier::alert_administrators(const std::string& subject, const std::string& body) {
    log_->failure(events::kDatabaseError, subject + ": " + body);
    if (!email_.enabled) return;
    OutboxMessage m;
    m.kind = "reminder";  // sent at once, also in digest mode
    m.recipients = email_.to;
    m.subject = "[credwatch] " + (organisation_.empty() ? "" : organisation_ + " ") + subject;
    m.body = body + mail::footer(mail_language(), host_);
    if (auto id = store_.queue_mail(m); !id)
        spdlog::error("cannot queue the mail \"{}\": {}", subject, id.error().message);
    kick();
}

void Notifier::check_failing(const ReminderText& text, const std::string& log_line) {
    log_->failure(events::kCheckFailing, log_line);
    if (!email_.enabled) return;
    const OutboxMessage m = reminder_mail(text, "");
    if (auto id = store_.queue_mail(m); !id)
        spdlog::error("cannot queue the mail \"{}\": {}", m.subject, id.error().message);
    kick();
}

void Notifier::check_recovered(const std::string& log_line) {
    log_->failure(events::kCheckRecovered, log_line);
}

void Notifier::checks_updated(std::vector<CheckMetric> checks) {
    check_metrics_ = std::move(checks);
    if (last_evaluated_at_) write_metrics(last_rows_, *last_evaluated_at_);
}

void Notifier::evaluation_failed(std::string_view why, const Error& error) {
    // The periodic evaluation retries every period: one system log event per episode.
    if (evaluation_failing_) return;
    evaluation_failing_ = true;
    log_->failure(is_storage_error(error.code) ? events::kDatabaseError : events::kEvaluationFailed,
                  fmt::format("evaluation ({}) failed: {}", why, error.message));
}

void Notifier::staff_change(std::string_view os_user, std::string_view credential_id,
                            std::string_view action) {
    log_->failure(events::kStaffChange, fmt::format("{}: {} by {} (not an administrator)",
                                                    escape_for_display(credential_id), action,
                                                    escape_for_display(os_user)));
}

void Notifier::certificate_unreadable(const std::string& location, const std::string& reason) {
    log_->certificate_unreadable(location, reason);
}

void Notifier::evaluated(const std::vector<StatusRow>& rows, TimePoint at) {
    if (evaluation_failing_) spdlog::info("evaluation works again");
    evaluation_failing_ = false;
    last_rows_ = rows;
    last_evaluated_at_ = at;
    write_metrics(rows, at);
    kick();
}

void Notifier::write_metrics(const std::vector<StatusRow>& rows, TimePoint at) {
    if (metrics_.textfile.empty()) return;
    MetricsSnapshot snapshot;
    snapshot.rows = rows;
    snapshot.evaluated_at = at;
    snapshot.organisation = organisation_;
    snapshot.site_id = metrics_.site_id.empty() ? platform::machine_name() : metrics_.site_id;
    snapshot.account = metrics_.account;
    snapshot.version = CREDWATCH_VERSION;
    snapshot.checks = check_metrics_;
    auto inventory = store_.inventory();
    auto failures = store_.inventory_failures();
    if (inventory) snapshot.certificates = inventory->size();
    if (failures) snapshot.scan_errors = failures->size();
    if (email_.enabled) {
        if (auto counts = store_.outbox_counts())
            snapshot.mail = MailQueueStats{counts->pending, counts->failing};
    }
    auto written = platform::write_file_atomically(platform::from_utf8(metrics_.textfile),
                                                   format_metrics(snapshot));
    if (!written) {
        // Once per episode (until a write succeeds), not at every evaluation or mail: a full
        // disk must not fill the logs too. A different error within an episode is logged once.
        if (!metrics_failing_ || written.error().message != last_metrics_error_) {
            spdlog::warn("metrics: {} (logged once until the textfile is written again)",
                         written.error().message);
            if (!metrics_failing_)
                log_->failure(events::kMetricsFailed,
                              "metrics textfile: " + written.error().message);
        }
        metrics_failing_ = true;
        last_metrics_error_ = written.error().message;
        return;
    }
    if (metrics_failing_) spdlog::info("metrics: {} written again", metrics_.textfile);
    metrics_failing_ = false;
    last_metrics_error_.clear();
}

void Notifier::kick() {
    boost::asio::post(io_, [this, alive = std::weak_ptr<char>(alive_)] {
        if (alive.expired()) return;
        pump();
    });
}

void Notifier::schedule(std::chrono::steady_clock::duration after) {
    timer_.expires_after(std::max(after, std::chrono::steady_clock::duration::zero()));
    timer_.async_wait([this, alive = std::weak_ptr<char>(alive_)](boost::system::error_code ec) {
        if (ec || alive.expired()) return;
        pump();
    });
}

TimePoint Notifier::last_digest_instant(TimePoint now) const {
    const Date today = local_date(now);
    TimePoint t = local_midnight(today) + std::chrono::minutes(email_.digest_minutes);
    if (t > now)
        t = local_midnight(add_days(today, -1)) + std::chrono::minutes(email_.digest_minutes);
    return t;
}

std::chrono::seconds Notifier::backoff(int failures) const {
    // retry_initial_seconds, doubled after each failure, at most retry_max_seconds.
    std::int64_t delay = std::max(1, email_.retry_initial_seconds);
    for (int i = 0; i < failures && delay < email_.retry_max_seconds; ++i) delay *= 2;
    return std::chrono::seconds(
        std::min<std::int64_t>(delay, std::max(1, email_.retry_max_seconds)));
}

void Notifier::compose_digest_if_due() {
    // A read first: composing takes the database's write lock, which nothing should need
    // when no digest item is held (the usual case).
    if (auto counts = store_.outbox_counts(); counts && counts->held == 0) return;
    const TimePoint now = clock_.now();
    // Digest mode: the items queued before the last digest time (also those that missed it
    // while the service was off). "each" mode: items left over from an earlier digest mode go
    // out at once, together.
    const TimePoint cutoff = email_.mode == "digest" ? last_digest_instant(now) : now + 1s;
    const Lang lang = mail_language();
    auto digest = store_.compose_digest(
        cutoff, [&](const std::vector<OutboxEntry>& items) -> std::optional<OutboxMessage> {
            std::vector<mail::DigestItem> parts;
            for (const auto& i : items) parts.push_back({i.subject, i.body});
            ReminderText text = mail::digest_text(parts, lang, host_, organisation_);
            OutboxMessage m;
            m.kind = "digest";
            m.recipients = email_.to;
            m.subject = std::move(text.subject);
            m.body = std::move(text.body);
            return m;
        });
    if (!digest) {
        spdlog::error("e-mail digest: {}", digest.error().message);
    } else if (*digest) {
        spdlog::info("e-mail digest {} composed", **digest);
    }
}

std::chrono::steady_clock::duration Notifier::store_failed(std::string_view what,
                                                           const Error& error) {
    spdlog::error("e-mail outbox: {}: {}", what, error.message);
    if (store_failures_ == 0)
        log_->failure(events::kDatabaseError,
                      fmt::format("e-mail outbox: {}: {}", what, error.message));
    ++store_failures_;
    auto delay = kStoreErrorRetry;
    for (int i = 1; i < store_failures_ && delay < kMaxSleep; ++i) delay *= 2;
    return std::min(delay, kMaxSleep);
}

void Notifier::store_recovered() {
    if (store_failures_ > 0) spdlog::info("e-mail outbox: the database records again");
    store_failures_ = 0;
}

bool Notifier::mark_delivered() {
    for (auto it = delivered_unmarked_.begin(); it != delivered_unmarked_.end();) {
        auto st = store_.mark_sent(*it);
        if (!st && st.error().code != Errc::not_found) {
            const auto delay = store_failed(
                fmt::format("e-mail {} was sent but still cannot be marked as sent", *it),
                st.error());
            next_mark_attempt_ = std::chrono::steady_clock::now() + delay;
            return false;
        }
        spdlog::info("e-mail {}: recorded as sent (delivered earlier)", *it);
        it = delivered_unmarked_.erase(it);
    }
    store_recovered();
    return true;
}

void Notifier::pump() {
    if (stopped_ || sending_ || !email_.enabled) return;
    if (!delivered_unmarked_.empty()) {
        // Nothing more goes out before the marks owed are recorded: the database refuses
        // writes, so a new send could not be recorded either.
        const auto steady_now = std::chrono::steady_clock::now();
        if (steady_now < next_mark_attempt_) return schedule(next_mark_attempt_ - steady_now);
        if (!mark_delivered()) return schedule(next_mark_attempt_ - steady_now);
    }
    compose_digest_if_due();
    const TimePoint now = clock_.now();
    auto due = store_.due_outbox(now, 1 + delivered_unmarked_.size());
    if (!due) return schedule(store_failed("read due mail", due.error()));
    for (auto& entry : *due) {
        if (delivered_unmarked_.contains(entry.id)) continue;  // never twice in one process
        send(std::move(entry));
        return;
    }
    auto wake = now + kMaxSleep;
    if (auto next = store_.next_outbox_attempt(); next && *next) wake = std::min(wake, **next);
    if (email_.mode == "digest") wake = std::min(wake, last_digest_instant(now) + 24h);
    // Stored times are whole seconds: wake just after the second begins.
    schedule(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wake - now) + 10ms);
}

void Notifier::send(OutboxEntry entry) {
    auto fail_now = [&](const Error& error) {
        sending_ = true;  // on_sent clears it
        on_sent(entry, error);
    };
    auto from = mail::parse_address(email_.from);
    if (!from) return fail_now(from.error());
    std::vector<mail::Address> to;
    std::vector<std::string> rcpt;
    for (const auto& r : entry.recipients) {
        auto a = mail::parse_address(r);
        if (!a) return fail_now(a.error());
        rcpt.push_back(a->address);
        to.push_back(std::move(*a));
    }
    SmtpOptions options;
    options.host = email_.smtp_host;
    options.security = smtp_security_from_string(email_.tls).value_or(SmtpSecurity::starttls);
    options.port = email_.smtp_port;
    options.username = email_.username;
    options.ca_file = email_.ca_file;
    options.verify_tls = email_.verify_tls;
    options.timeout = std::chrono::seconds(email_.timeout_seconds);
    options.connect_timeout = std::min(options.timeout, std::chrono::seconds(20));
    options.cancel = cancel_.get();
    if (!email_.username.empty()) {
        auto password = read_secret_file(platform::from_utf8(email_.password_file));
        if (!password) {
            if (password.error().message != last_password_error_)
                log_->failure(events::kMailPasswordRefused,
                              "SMTP password file: " + password.error().message);
            last_password_error_ = password.error().message;
            return fail_now(password.error());
        }
        last_password_error_.clear();
        options.password = std::move(*password);
    }
    mail::Message message;
    message.from = std::move(*from);
    message.to = std::move(to);
    message.subject = entry.subject;
    message.body = entry.body;
    message.date = entry.created_at;
    message.message_id = mail::message_id(entry.id, entry.created_at, message.from.address);
    std::string mime = mail::build_message(message);
    std::string envelope = message.from.address;

    sending_ = true;
    spdlog::debug("e-mail {}: sending (attempt {})", entry.id, entry.attempts + 1);
    boost::asio::post(worker_, [this, io = &io_, alive = std::weak_ptr<char>(alive_), entry,
                                options = std::move(options), envelope = std::move(envelope),
                                rcpt = std::move(rcpt), mime = std::move(mime)]() mutable {
        Status result = smtp_send(options, envelope, rcpt, mime);
        std::fill(options.password.begin(), options.password.end(), '\0');
        boost::asio::post(*io, [this, alive, entry = std::move(entry), result = std::move(result)] {
            if (alive.expired()) return;
            on_sent(entry, result);
        });
    });
}

void Notifier::on_sent(const OutboxEntry& entry, const Status& result) {
    sending_ = false;
    if (cancel_->load()) return;  // stopping: the message stays queued and goes at the next start
    const std::string to = join(entry.recipients, ", ");
    if (result) {
        if (auto st = store_.mark_sent(entry.id); !st) {
            // Accepted by the server but not recorded. Kept in memory so that this process never
            // sends it again; the mark is retried with backoff. Only a restart before the mark
            // is recorded sends it once more (at-least-once), with the same Message-ID.
            delivered_unmarked_.insert(entry.id);
            const auto delay = store_failed(
                fmt::format("e-mail {} was sent but cannot be marked as sent", entry.id),
                st.error());
            next_mark_attempt_ = std::chrono::steady_clock::now() + delay;
            schedule(delay);
            return;
        }
        store_recovered();
        spdlog::info("e-mail {} sent to {}: {}", entry.id, to, entry.subject);
        if (entry.attempts > 0)
            log_->failure(events::kMailDelivered,
                          fmt::format("e-mail {} to {} delivered after {} failed attempt(s): {}",
                                      entry.id, to, entry.attempts, entry.subject));
    } else {
        const auto delay = backoff(entry.attempts);
        const std::string& error = result.error().message;
        if (auto st = store_.mark_failed(entry.id, error, clock_.now() + delay); !st) {
            schedule(store_failed(
                fmt::format("e-mail {}: cannot record the failed attempt", entry.id), st.error()));
            return;
        }
        store_recovered();
        spdlog::warn("e-mail {} to {} not sent (attempt {}): {}; next attempt in {} s", entry.id,
                     to, entry.attempts + 1, error, delay.count());
        if (entry.attempts == 0)
            log_->failure(
                events::kMailFailed,
                fmt::format("e-mail {} to {} not sent, will retry: {}", entry.id, to, error));
    }
    if (last_evaluated_at_) write_metrics(last_rows_, *last_evaluated_at_);  // the mail gauges
    pump();
}

}  // namespace credwatch
