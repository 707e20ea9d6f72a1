// syslog(3): journald collects it with SYSLOG_IDENTIFIER=credwatch; rsyslog writes it to
// /var/log/syslog. Every message starts with "[credwatch-<event id>]".

#include "credwatch/notify/system_log.hpp"

#include "credwatch/base/strings.hpp"
#include "credwatch/notify/event_ids.hpp"

#include <syslog.h>

#include <mutex>
#include <string>

namespace credwatch {

namespace {

int priority_of(int event_id) {
    switch (events::severity_of(event_id)) {
        case events::Severity::information:
            return LOG_INFO;
        case events::Severity::warning:
            return LOG_WARNING;
        case events::Severity::error:
            return LOG_ERR;
    }
    return LOG_WARNING;
}

// One line: line breaks become " / " so that a message is one syslog record everywhere.
std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') continue;
        if (text[i] == '\n') {
            if (i + 1 < text.size()) out += " / ";
            continue;
        }
        out += text[i];
    }
    return out;
}

class Syslog final : public SystemLog {
  public:
    Syslog() {
        static std::once_flag once;
        std::call_once(once, [] { ::openlog("credwatch", LOG_PID | LOG_NDELAY, LOG_DAEMON); });
    }
    void reminder(const Reminder& reminder, std::string_view text) override {
        write(reminder_event_id(reminder), std::string(text) + " (" +
                                               escape_for_display(reminder.credential_id) +
                                               ", reminder " + std::to_string(reminder.id) + ")");
    }
    void failure(int event_id, std::string_view text) override { write(event_id, text); }

  private:
    static void write(int event_id, std::string_view text) {
        const std::string line = one_line(text);
        ::syslog(priority_of(event_id), "[credwatch-%d] %s", event_id, line.c_str());
    }
};

}  // namespace

std::unique_ptr<SystemLog> make_system_log() {
    return std::make_unique<Syslog>();
}

}  // namespace credwatch
