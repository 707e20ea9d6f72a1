#pragma once
// The symptom guide of the catalog ([[system.symptom]]) and the site's additions ([[symptom]],
// or [[system.symptom]] of a site's own system). Format in docs/doctor.md.

#include "credwatch/base/error.hpp"
#include "credwatch/domain/symptoms.hpp"

#include <string_view>
#include <vector>

namespace credwatch {

struct Configuration;

// `config` is the configuration read from the same two texts (its systems, for the references).
// Errc::catalog_invalid with every problem, one per line, "file:line: context: message".
[[nodiscard]] Result<std::vector<Symptom>> parse_symptoms(std::string_view catalog_text,
                                                          std::string_view catalog_name,
                                                          std::string_view site_text,
                                                          std::string_view site_name,
                                                          const Configuration& config);

}  // namespace credwatch
