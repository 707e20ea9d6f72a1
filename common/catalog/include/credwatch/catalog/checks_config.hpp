#pragma once
// The checks of the catalog ([[system.check]]) with the site's additions ([[check]]) and
// tunings ([checks.<system>.<id>]) applied: Configuration::checks, read with the rest of the
// configuration from the same two files (format in docs/doctor.md). These two give the checks
// alone.

#include "credwatch/base/error.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/domain/checks.hpp"

#include <filesystem>
#include <string_view>
#include <vector>

namespace credwatch {

// What the service's check runs are configured with (Configuration::checks, ::check_runs).
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

}  // namespace credwatch
