#pragma once
// The integrity and backup steps of Store::open (schema.cpp), kept apart from it.

#include "sqlite.hpp"

namespace credwatch::store_detail {

// PRAGMA quick_check on the connection being opened; a failure names the file and the problems.
[[nodiscard]] Status quick_check_on_open(const sql::Connection& c);
// A verified backup before the schema goes from `version` to a newer one (none for a new file).
[[nodiscard]] Status backup_before_migration(const sql::Connection& c, int version,
                                             const Clock& clock);

}  // namespace credwatch::store_detail
