// The Windows Application event log, source "credwatch". The message texts are the message
// table of service/windows/messages.mc (compiled into credwatch-service.exe, registered as the
// source's EventMessageFile by `credwatch-service install`); the IDs are those of
// event_ids.hpp.
//
// Reminders (2001-2004) are reported by service/windows/event_log.cpp, which registers a
// reminder listener with the ServiceCore and has the credential's row for the message's
// inserts: reminder() here does nothing, so that a reminder is never logged twice. failure()
// reports the notification failures (1200-1299) with the text as the only insert (%1);
// certificate_unreadable() reports 1103 with the location (%1) and the reason (%2).

#include "credwatch/notify/system_log.hpp"

#include "credwatch/notify/event_ids.hpp"
#include "credwatch/platform/win_util.hpp"

#include <spdlog/spdlog.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace credwatch {

namespace {

// The event code windmc gives a MessageId: severity in the top two bits (facility 0).
DWORD event_code(int id) {
    DWORD severity = 0;
    switch (events::severity_of(id)) {
        case events::Severity::information:
            severity = 1;
            break;
        case events::Severity::warning:
            severity = 2;
            break;
        case events::Severity::error:
            severity = 3;
            break;
    }
    return (severity << 30) | static_cast<DWORD>(id);
}

WORD event_type(int id) {
    switch (events::severity_of(id)) {
        case events::Severity::information:
            return EVENTLOG_INFORMATION_TYPE;
        case events::Severity::warning:
            return EVENTLOG_WARNING_TYPE;
        case events::Severity::error:
            return EVENTLOG_ERROR_TYPE;
    }
    return EVENTLOG_WARNING_TYPE;
}

class EventLogSystemLog final : public SystemLog {
  public:
    EventLogSystemLog() : source_(::RegisterEventSourceW(nullptr, L"credwatch")) {
        if (!source_)
            spdlog::warn("RegisterEventSourceW(credwatch) failed: error {}", ::GetLastError());
    }
    void reminder(const Reminder&, std::string_view) override {
        // Reported by service/windows/event_log.cpp (EventLog::report_reminder).
    }
    void failure(int event_id, std::string_view text) override { report(event_id, {text}); }
    void certificate_unreadable(std::string_view location, std::string_view reason) override {
        report(events::kCertificateUnreadable, {location, reason});
    }

  private:
    void report(int event_id, std::initializer_list<std::string_view> texts) {
        if (!source_) return;
        std::vector<std::wstring> wide;
        wide.reserve(texts.size());
        for (std::string_view text : texts) wide.push_back(win::widen(text));
        std::vector<LPCWSTR> inserts;
        for (const auto& w : wide) inserts.push_back(w.c_str());
        if (!::ReportEventW(source_.get(), event_type(event_id), 0, event_code(event_id), nullptr,
                            static_cast<WORD>(inserts.size()), 0, inserts.data(), nullptr))
            spdlog::warn("ReportEventW({}) failed: error {}", event_id, ::GetLastError());
    }

    win::UniqueEventSource source_;
};

}  // namespace

std::unique_ptr<SystemLog> make_system_log() {
    return std::make_unique<EventLogSystemLog>();
}

}  // namespace credwatch
