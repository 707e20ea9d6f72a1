#pragma once
// Human-readable text in Japanese or English: state names, days-left phrases, reminder messages.
// (The tray uses gettext catalogs; the CLI, service console and e-mail use these tables.)

#include "credwatch/base/lang.hpp"
#include "credwatch/domain/checks.hpp"
#include "credwatch/domain/model.hpp"
#include "credwatch/domain/status_row.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

std::string state_text(State state, Lang lang);
// "あと12日" / "12 days left", "期限切れ（3日経過）" / "expired 3 days ago", "本日まで" / "due
// today"
std::string days_left_text(int days_left, bool overdue, Lang lang);

// A status table (one row per credential) for a terminal.
std::string format_status_table(const std::vector<StatusRow>& rows, Lang lang);

struct ReminderText {
    std::string subject;
    std::string body;
};
// A check the service runs started failing: its title, what was found, the fix and the manual
// (docs/doctor.md). `system_name` is the catalog system's name in `lang`.
ReminderText check_failing_text(const CheckDefinition& check, const CheckRecord& record,
                                std::string_view system_name, Lang lang,
                                std::string_view organisation = {});
// The short note when it holds again.
ReminderText check_recovered_text(const CheckDefinition& check, const CheckRecord& record,
                                  std::string_view system_name, Lang lang);

// What lapses, when, and what to do: the procedure's steps, URL and call centre.
ReminderText reminder_text(const Reminder& reminder, const StatusRow& row,
                           const std::vector<Procedure>& procedures, Lang lang,
                           std::string_view organisation = {});

}  // namespace credwatch
