#pragma once
// Prometheus metrics in the text exposition format, written as a file for the textfile
// collectors of node_exporter (Linux) and windows_exporter (Windows). The file is replaced
// atomically (temporary file + rename), so a collector never reads half of it.
// Metric names and labels: docs/notifications.md.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"
#include "credwatch/domain/checks.hpp"
#include "credwatch/domain/status_row.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

struct MailQueueStats {
    std::size_t pending = 0;  // queued, not sent yet
    std::size_t failing = 0;  // of those, how many failed at least once
};

// The latest state of one check the service runs.
struct CheckMetric {
    std::string system, id;
    std::string user;  // a session check's user ("" for the service's own)
    CheckState state = CheckState::cannot_check;
};

struct MetricsSnapshot {
    std::vector<StatusRow> rows;         // one per credential
    std::size_t certificates = 0;        // certificates known after the last scan
    std::size_t scan_errors = 0;         // files or stores that could not be read
    TimePoint evaluated_at;              // when the rows were evaluated
    std::optional<MailQueueStats> mail;  // present when e-mail is enabled
    std::vector<CheckMetric> checks;     // the service's check results (empty: none run yet)

    // Who writes the file, for a vendor's Prometheus watching many clinics: credwatch_info
    // carries all four, every credential series carries site_id and account.
    std::string organisation;  // [service] organisation
    std::string site_id;       // [metrics] site_id, or platform::machine_name() when not set
    std::string account;       // [metrics] account: the facility's account id (may be empty)
    std::string version;       // credwatch's version
};

// The exposition text: HELP and TYPE lines, then the samples, "\n" line ends.
std::string format_metrics(const MetricsSnapshot& snapshot);

// A label value with \ " and line feeds escaped as the format requires.
std::string escape_label_value(std::string_view value);

}  // namespace credwatch
