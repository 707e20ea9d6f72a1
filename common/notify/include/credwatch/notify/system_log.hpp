#pragma once
// The operating system's log: syslog (and so journald) on Linux, the Windows Application event
// log. One entry per raised reminder and per failure, with the stable IDs of event_ids.hpp.
// Implementations: common/notify/posix/system_log.cpp, common/notify/windows/system_log.cpp.

#include "credwatch/domain/model.hpp"

#include <memory>
#include <string_view>

namespace credwatch {

class SystemLog {
  public:
    virtual ~SystemLog() = default;
    // A newly raised reminder; `text` is its one-line subject.
    virtual void reminder(const Reminder& reminder, std::string_view text) = 0;
    // A failure (or, for the information IDs, a notable event) with one line of text.
    virtual void failure(int event_id, std::string_view text) = 0;
    // 1103: a certificate (file or store entry) that cannot be read or parsed, and why. The
    // reason is the scanner's, which never holds a password. By default one failure() line;
    // the Windows event log gives the message its two inserts.
    virtual void certificate_unreadable(std::string_view location, std::string_view reason);
};

// The event ID of a reminder (2001-2004) from its key and state.
int reminder_event_id(const Reminder& reminder) noexcept;

// The platform's log: syslog(3) with ident "credwatch", facility LOG_DAEMON; on Windows the
// "credwatch" event source.
std::unique_ptr<SystemLog> make_system_log();

// A log that records nothing (tests, tools).
std::unique_ptr<SystemLog> make_null_system_log();

}  // namespace credwatch
