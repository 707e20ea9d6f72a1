#pragma once
// The "credwatch" source in the Windows Application event log. Message texts (English and
// Japanese) are in messages.mc, compiled into credwatch-service.exe; the IDs are documented in
// docs/windows-build.md.

#include "service_core.hpp"

#include <string>
#include <vector>

#include <windows.h>

namespace credwatch::win {

class EventLog {
  public:
    EventLog();  // RegisterEventSourceW; when that fails the log is silent (and says so once)
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    // `id` is a CW_MSG_* constant of messages.h; its severity bits choose the event type.
    void report(DWORD id, const std::vector<std::string>& inserts);

    // One event per raised reminder (2001-2004), for ServiceCore::add_reminder_listener.
    void report_reminder(const RaisedReminder& raised);
    // A failure that stops the service or refuses a reload, by its Errc (1100-1104).
    void report_failure(const Error& error, const std::string& data_dir, bool at_start);

  private:
    HANDLE source_ = nullptr;
};

// Creates HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\credwatch with
// EventMessageFile = exe and TypesSupported = 7. Needs administrator rights.
[[nodiscard]] Status register_event_source(const std::wstring& exe);
[[nodiscard]] Status deregister_event_source();

}  // namespace credwatch::win
