#pragma once
// Exports for people who live in Outlook and Excel: an iCalendar file (RFC 5545) with one
// all-day event per deadline and an alarm before it, and CSV files (RFC 4180) of the deadlines
// and of the certificate inventory that Excel opens with the Japanese intact (UTF-8 with a
// BOM, CRLF line ends). Inputs are typed: status rows, certificate records, procedures.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"
#include "credwatch/domain/model.hpp"
#include "credwatch/domain/records.hpp"
#include "credwatch/domain/status_row.hpp"
#include "credwatch/notify/text.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

struct IcsOptions {
    Lang lang = Lang::ja;
    TimePoint now;           // DTSTAMP
    std::string uid_domain;  // right-hand side of the UIDs, e.g. the host name
    // Days before the deadline at which the alarm rings, by "system/kind" (the kind's first
    // reminder threshold); kinds not listed get 14.
    std::map<std::string, int> alarm_days;
};

// One VEVENT per status row with a deadline_date: UID "<credential>.g<generation>@<domain>"
// (stable until the credential is renewed), all-day DTSTART;VALUE=DATE on the deadline date,
// SUMMARY in the chosen language, DESCRIPTION with the procedure (steps, URL, call centre), and
// a VALARM (DISPLAY) at 9:00 local time N days before. Lines folded at 75 octets, CRLF.
std::string export_ics(const std::vector<StatusRow>& rows, const std::vector<Procedure>& procedures,
                       const IcsOptions& options);

// Columns: id, system, kind, label, owner, state, deadline_date, days_left, issued, limit;
// the header row and the names in `lang`.
std::string export_deadlines_csv(const std::vector<StatusRow>& rows, Lang lang);

// Columns: path, owner, subject, issuer, serial, not_before, not_after, sha256, tracked_as;
// times in local time ("2026-03-10 21:00:00"), which Excel reads as dates.
std::string export_inventory_csv(const std::vector<InventoryEntry>& certificates, Lang lang);

// RFC 5545 TEXT escaping: \ ; , and line breaks (as \n).
std::string ics_escape(std::string_view text);
// One content line folded at 75 octets (continuations start with a space) without splitting a
// UTF-8 sequence, ending in CRLF.
std::string ics_fold(std::string_view line);
// One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). Text that
// Excel would run as a formula (starting with = + - @) gets a leading apostrophe.
std::string csv_field(std::string_view value, bool text = true);

}  // namespace credwatch
