#pragma once
// The ledger file (docs/ledger-format.md): a versioned JSON document,
//   {"format": "credwatch-ledger", "version": 1, "exported_at": ..., "machine": ..., ...}.
// Decoding checks every field before anything is imported; its errors name the file (`source`),
// the field ("credentials[2].renewed_on") and the reason.

#include "credwatch/base/error.hpp"
#include "credwatch/domain/ledger.hpp"

#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace credwatch {

boost::json::object ledger_to_json(const Ledger& ledger);

// Errc::parse_error for a malformed document or field, Errc::unsupported_version for a version
// other than kLedgerVersion (a newer credwatch wrote it).
[[nodiscard]] Result<Ledger> ledger_from_json(const boost::json::value& value,
                                              std::string_view source);
// The text of a ledger file: JSON, then ledger_from_json.
[[nodiscard]] Result<Ledger> parse_ledger(std::string_view text, std::string_view source);

// The file's text: pretty enough to read and diff (one row per line), "\n" line ends.
std::string serialize_ledger(const Ledger& ledger);

}  // namespace credwatch
