// The platform-independent part of the system log: reminder IDs, default texts and the null
// log.

#include "credwatch/notify/system_log.hpp"

#include "credwatch/notify/event_ids.hpp"

#include <fmt/format.h>

namespace credwatch {

void SystemLog::certificate_unreadable(std::string_view location, std::string_view reason) {
    failure(events::kCertificateUnreadable,
            fmt::format("a certificate could not be read: {}: {}", location, reason));
}

int reminder_event_id(const Reminder& r) noexcept {
    if (r.key.starts_with("q"))
        return r.state == State::quota_exhausted || r.key == "q0" ? events::kReminderQuotaExhausted
                                                                  : events::kReminderQuotaWarning;
    if (r.key.starts_with("overdue") || r.state == State::overdue) return events::kReminderOverdue;
    return events::kReminderDueSoon;
}

namespace {
class NullSystemLog final : public SystemLog {
  public:
    void reminder(const Reminder&, std::string_view) override {}
    void failure(int, std::string_view) override {}
};
}  // namespace

std::unique_ptr<SystemLog> make_null_system_log() {
    return std::make_unique<NullSystemLog>();
}

}  // namespace credwatch
