#pragma once
// Stable event IDs of credwatch in the system logs: the Windows Application event log (source
// "credwatch", message table service/windows/messages.mc) and syslog/journald on Linux, where
// the message starts with "[credwatch-<id>]". Monitoring tools filter on them: never renumber,
// only add. The table is documented in docs/notifications.md.
//
//   1000-1099  service lifecycle (information)
//   1100-1199  failures of the service itself
//   1200-1299  notification channels: e-mail, metrics textfile
//   1300-1399  changes made by local users (information)
//   2000-2099  reminders, one per kind, raised once per threshold like the other channels;
//              2010/2011: a check the service runs started failing / holds again

#include <string_view>

namespace credwatch::events {

enum class Severity { information, warning, error };

inline constexpr int kServiceStarted = 1000;
inline constexpr int kServiceStopped = 1001;
inline constexpr int kConfigReloaded = 1002;

inline constexpr int kStartFailed = 1100;
inline constexpr int kConfigInvalid = 1101;
inline constexpr int kDatabaseError = 1102;
inline constexpr int kCertificateUnreadable = 1103;
inline constexpr int kAlreadyRunning = 1104;
inline constexpr int kDataDirTakenOver = 1105;  // Windows: a foreign-owned data folder was reset

inline constexpr int kMailDelivered = 1200;        // a message went out after failed attempts
inline constexpr int kMailFailed = 1201;           // a send failed; it is retried with backoff
inline constexpr int kMailPasswordRefused = 1202;  // the SMTP password file cannot be used
inline constexpr int kMetricsFailed = 1203;        // the Prometheus textfile cannot be written
inline constexpr int kEvaluationFailed = 1204;     // an evaluation failed (not a database error)

inline constexpr int kStaffChange = 1300;  // a user who is not an administrator changed a
                                           // machine credential (docs/security.md)

inline constexpr int kReminderDueSoon = 2001;
inline constexpr int kReminderOverdue = 2002;
inline constexpr int kReminderQuotaWarning = 2003;
inline constexpr int kReminderQuotaExhausted = 2004;
inline constexpr int kCheckFailing = 2010;    // once per failing episode (docs/doctor.md)
inline constexpr int kCheckRecovered = 2011;  // the episode ended

struct EventInfo {
    int id;
    Severity severity;
    std::string_view name;  // the symbolic name (CW_MSG_* in messages.mc without the prefix)
};

inline constexpr EventInfo kEvents[] = {
    {kServiceStarted, Severity::information, "SERVICE_STARTED"},
    {kServiceStopped, Severity::information, "SERVICE_STOPPED"},
    {kConfigReloaded, Severity::information, "CONFIG_RELOADED"},
    {kStartFailed, Severity::error, "START_FAILED"},
    {kConfigInvalid, Severity::error, "CONFIG_INVALID"},
    {kDatabaseError, Severity::error, "DATABASE_ERROR"},
    {kCertificateUnreadable, Severity::warning, "CERTIFICATE_UNREADABLE"},
    {kAlreadyRunning, Severity::error, "ALREADY_RUNNING"},
    {kDataDirTakenOver, Severity::warning, "DATA_DIR_TAKEN_OVER"},
    {kMailDelivered, Severity::information, "MAIL_DELIVERED"},
    {kMailFailed, Severity::warning, "MAIL_FAILED"},
    {kMailPasswordRefused, Severity::error, "MAIL_PASSWORD_REFUSED"},
    {kMetricsFailed, Severity::warning, "METRICS_FAILED"},
    {kEvaluationFailed, Severity::error, "EVALUATION_FAILED"},
    {kStaffChange, Severity::information, "STAFF_CHANGE"},
    {kReminderDueSoon, Severity::warning, "REMINDER_DUE_SOON"},
    {kReminderOverdue, Severity::error, "REMINDER_OVERDUE"},
    {kReminderQuotaWarning, Severity::warning, "REMINDER_QUOTA_WARNING"},
    {kReminderQuotaExhausted, Severity::error, "REMINDER_QUOTA_EXHAUSTED"},
    {kCheckFailing, Severity::warning, "CHECK_FAILING"},
    {kCheckRecovered, Severity::information, "CHECK_RECOVERED"},
};

constexpr Severity severity_of(int id) noexcept {
    for (const auto& e : kEvents)
        if (e.id == id) return e.severity;
    return Severity::warning;
}

}  // namespace credwatch::events
