#pragma once
// The [[system.symptom]] and [[symptom]] reader, run by parse_configuration after the checks,
// on the documents it has already parsed. Internal to credwatch_catalog.

#include "credwatch/catalog/catalog.hpp"
#include "credwatch/domain/symptoms.hpp"
#include "toml_reading.hpp"

#include <string_view>
#include <vector>

namespace credwatch::detail {

// Appends the catalog's symptoms, then the site's; every problem goes to `diag`. `config` is
// read from the same two documents (its systems and checks, for the references).
void read_symptoms(const toml::table& catalog_root, std::string_view catalog_name,
                   const toml::table& site_root, std::string_view site_name,
                   const Configuration& config, std::vector<Symptom>& symptoms, Diagnostics& diag);

}  // namespace credwatch::detail
