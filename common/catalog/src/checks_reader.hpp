#pragma once
// The [[system.check]], [[check]] and [checks.<system>.<id>] reader, run by
// parse_configuration on the documents it has already parsed. Internal to credwatch_catalog.

#include "credwatch/catalog/catalog.hpp"
#include "credwatch/domain/checks.hpp"
#include "toml_reading.hpp"

#include <string_view>
#include <vector>

namespace credwatch::detail {

// Appends the catalog's checks, then the site's additions, with the site's tunings applied, and
// reads [checks] run settings into `runs`; every problem goes to `diag`. `catalog` is the catalog
// with the site's own systems merged.
void read_checks(const toml::table& catalog_root, std::string_view catalog_name,
                 const toml::table& site_root, std::string_view site_name, const Catalog& catalog,
                 std::vector<CheckDefinition>& checks, CheckRunSettings& runs, Diagnostics& diag);

}  // namespace credwatch::detail
