#pragma once
// A date as a person reads it: "2026年12月1日" / "1 Dec 2026". The mail, the tray and its
// notifications all write dates with this, so one date never reads two ways. Machine-readable
// output (JSON, CSV, the CLI's tables, iCalendar) keeps ISO 8601 (format_date).

#include "credwatch/base/civil_time.hpp"
#include "credwatch/base/lang.hpp"

#include <string>

namespace credwatch {

std::string date_text(Date d, Lang lang);

}  // namespace credwatch
