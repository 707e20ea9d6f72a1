#pragma once
// The channels that carry reminders out of the machine: e-mail (the outbox in SQLite, sent
// over SMTP on a worker thread with retries and backoff, one mail per reminder or a daily
// digest), the system log (syslog/journald, the Windows event log) and the Prometheus textfile.
// Runs on the service's io_context; only the SMTP conversation runs on its own thread.
// Documented in docs/notifications.md.

#include "credwatch/base/clock.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/notify/metrics.hpp"
#include "credwatch/notify/system_log.hpp"
#include "credwatch/notify/text.hpp"
#include "credwatch/store/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

class Notifier {
  public:
    Notifier(boost::asio::io_context& io, Store& store, const Clock& clock,
             std::shared_ptr<SystemLog> system_log);
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // At start and on every reload: [email], [metrics] and the organisation and language of
    // [service]. Starts (or stops) the sending loop.
    void configure(const Configuration& config);
    // Abandons a send in progress (it is retried at the next start) and stops the timer.
    void stop();

    bool mail_enabled() const { return email_.enabled; }

    // The mail for a newly raised reminder, rendered from its status row and procedures; for
    // Store::raise, so that it is queued in the transaction that records the reminder.
    // Nothing when e-mail is off.
    std::optional<OutboxMessage> render(const Reminder& reminder, const StatusRow& row,
                                        const std::vector<Procedure>& procedures,
                                        std::optional<Rule> rule) const;

    // After an evaluation: one system log entry per raised reminder, the metrics textfile
    // rewritten, and the outbox looked at (new mail is sent at once).
    void reminder_raised(const Reminder& reminder, const std::string& subject);
    void evaluated(const std::vector<StatusRow>& rows, TimePoint at);
    // A failure of the service for the system log (event IDs of event_ids.hpp).
    void failure(int event_id, const std::string& text);
    // 1103: a certificate that cannot be read or parsed (the caller writes each once).
    void certificate_unreadable(const std::string& location, const std::string& reason);

    // 1300: a user who is not an administrator changed a machine credential. The line holds
    // the OS user, the credential id and the action as the service names it, never text the
    // user chose.
    void staff_change(std::string_view os_user, std::string_view credential_id,
                      std::string_view action);

    // A fault of the ledger itself (damage found, a recovery at start): an error (1102) in the
    // system log and, when e-mail is on, a mail to the configured recipients.
    void alert_administrators(const std::string& subject, const std::string& body);

    // A failed evaluation: 1102 for the database (a full or read-only disk too), 1204
    // otherwise; written once per episode (until an evaluation succeeds), not per attempt.
    void evaluation_failed(std::string_view why, const Error& error);

    // A check the service runs started failing (once per episode): a warning (2010) in the
    // system log and, when e-mail is on, the mail (a digest item in digest mode).
    void check_failing(const ReminderText& mail_language_text, const std::string& log_line);
    // It holds again: an information (2011) in the system log; no mail.
    void check_recovered(const std::string& log_line);
    // After a run of the checks: their gauges in the metrics textfile.
    void checks_updated(std::vector<CheckMetric> checks);

    // For the requests of the e-mail channel (service/api/mail.cpp).
    const EmailSettings& email() const { return email_; }
    Lang mail_language() const;
    const std::string& host() const { return host_; }
    const std::string& organisation() const { return organisation_; }
    // A message was queued in the outbox: send it now.
    void mail_queued() { kick(); }

  private:
    // A reminder's mail: the organisation in the subject, `before_footer` after the text, the
    // footer unless it is a digest item.
    OutboxMessage reminder_mail(ReminderText text, std::string_view before_footer) const;
    void kick();
    void pump();
    // Records the sent marks still owed; true when none is left.
    bool mark_delivered();
    // A store failure of the sending loop: logged, one system log event per episode, and the
    // next attempt backed off.
    std::chrono::steady_clock::duration store_failed(std::string_view what, const Error& error);
    void store_recovered();
    void schedule(std::chrono::steady_clock::duration after);
    void send(OutboxEntry entry);
    void on_sent(const OutboxEntry& entry, const Status& result);
    void compose_digest_if_due();
    TimePoint last_digest_instant(TimePoint now) const;
    std::chrono::seconds backoff(int failures) const;
    void write_metrics(const std::vector<StatusRow>& rows, TimePoint at);

    boost::asio::io_context& io_;
    Store& store_;
    const Clock& clock_;
    std::shared_ptr<SystemLog> log_;
    boost::asio::steady_timer timer_;
    boost::asio::thread_pool worker_{1};
    std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
    // Lets a result posted back by the worker see whether this object still exists.
    std::shared_ptr<char> alive_ = std::make_shared<char>(0);
    EmailSettings email_;
    MetricsSettings metrics_;
    std::string organisation_;
    std::string service_language_ = "auto";
    std::string host_;
    bool sending_ = false;
    bool stopped_ = false;
    std::string last_password_error_;  // logged once to the system log, not at every retry
    std::string last_metrics_error_;
    bool metrics_failing_ = false;  // one log line and one system log event per episode
    // Accepted by the SMTP server, sent mark not recorded yet (a locked, full or read-only
    // database): never sent again while the process runs.
    std::set<std::int64_t> delivered_unmarked_;
    int store_failures_ = 0;           // consecutive, for the backoff
    bool evaluation_failing_ = false;  // 1102/1204 written for this episode
    std::chrono::steady_clock::time_point next_mark_attempt_{};
    // The last evaluation, so that the mail metrics can be rewritten after a send.
    std::vector<StatusRow> last_rows_;
    std::optional<TimePoint> last_evaluated_at_;
    std::vector<CheckMetric> check_metrics_;
};

}  // namespace credwatch
