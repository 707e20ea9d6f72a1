#pragma once
// The checks of the catalog ([[system.check]]) with the site's additions ([[check]]) and
// tunings ([checks.<system>.<id>]) applied. Read beside the rest of the configuration from the
// same two files; format in docs/doctor.md.

#include "credwatch/base/error.hpp"
#include "credwatch/domain/checks.hpp"

#include <filesystem>
#include <string_view>
#include <vector>

namespace credwatch {

// [checks] of the site file: the service's own runs of the machine-level checks.
struct CheckRunSettings {
    bool in_service = true;                 // false: only `credwatch doctor` runs them
    int every_hours = 24;                   // one run a day
    int first_run_after_minutes = 2;        // the first run, shortly after the service started
    int network_change_quiet_seconds = 30;  // a run once the network is quiet this long
};

struct CheckConfiguration {
    std::vector<CheckDefinition> checks;
    CheckRunSettings runs;
};

// Errc::catalog_invalid with every problem, one per line, "file:line: context: message".
[[nodiscard]] Result<std::vector<CheckDefinition>> parse_checks(std::string_view catalog_text,
                                                                std::string_view catalog_name,
                                                                std::string_view site_text,
                                                                std::string_view site_name);

// Empty paths: the embedded catalog and site file (as load_configuration).
[[nodiscard]] Result<std::vector<CheckDefinition>> load_checks(
    const std::filesystem::path& catalog_file, const std::filesystem::path& site_file);

// The checks and the [checks] settings of the service's runs.
[[nodiscard]] Result<CheckConfiguration> parse_check_configuration(std::string_view catalog_text,
                                                                   std::string_view catalog_name,
                                                                   std::string_view site_text,
                                                                   std::string_view site_name);
[[nodiscard]] Result<CheckConfiguration> load_check_configuration(
    const std::filesystem::path& catalog_file, const std::filesystem::path& site_file);

}  // namespace credwatch
