#pragma once
// JSON shapes shared by the CLI's --json output, the IPC protocol and the exports.
// Field names are documented in docs/ipc-protocol.md; times are ISO 8601 UTC.

#include "credwatch/domain/candidates.hpp"
#include "credwatch/domain/certificate.hpp"
#include "credwatch/domain/checks.hpp"
#include "credwatch/domain/issuance.hpp"
#include "credwatch/domain/model.hpp"
#include "credwatch/domain/records.hpp"
#include "credwatch/domain/status_row.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

boost::json::object to_json(const FoundCertificate& cert);
boost::json::object to_json(const ScanFailure& failure);
boost::json::object to_json(const InventoryEntry& entry);
boost::json::object to_json(const LearntMatch& match);
boost::json::object to_json(const InventoryFailure& failure);
boost::json::object to_json(const Reminder& reminder);
boost::json::object to_json(const AuditEntry& entry);
// A row of the issuance ledger (the `issuances` reply).
boost::json::object to_json(const Issuance& issuance);
boost::json::object to_json(const Procedure& procedure);

// An instant as these shapes write it: ISO 8601 UTC ("2026-04-01T00:00:00Z"), or null.
boost::json::value optional_time(const std::optional<TimePoint>& t);

// Tolerant field access on the objects above: "" or nullopt when absent or of another type.
std::string string_field(const boost::json::object& object, std::string_view key);
std::optional<std::int64_t> int_field(const boost::json::object& object, std::string_view key);
// The strings of an array field, in order; elements of another type are skipped.
std::vector<std::string> string_array_field(const boost::json::object& object,
                                            std::string_view key);

// One line of `credwatch status` in the protocol's shape (docs/ipc-protocol.md).
boost::json::object to_json(const StatusRow& row);
// A status row as the service sent it, for clients (CLI, tray). Needs an object with a string
// "id"; other fields that are absent or null keep their defaults, one of the wrong type is an
// error naming it.
[[nodiscard]] Result<StatusRow> status_row_from_json(const boost::json::value& value);
// A certificate record of the `inventory` reply (to_json(InventoryEntry)).
[[nodiscard]] Result<InventoryEntry> inventory_entry_from_json(const boost::json::value& value);
// A reply's array of rows or certificates as typed values, for clients that format them; an
// element that does not parse is skipped (the reply came from the service, which wrote it).
std::vector<StatusRow> status_rows_from_json(const boost::json::value& rows);
std::vector<InventoryEntry> inventory_entries_from_json(const boost::json::value& certificates);
// A procedure as the `catalog` method returns it (to_json(Procedure)).
[[nodiscard]] Result<Procedure> procedure_from_json(const boost::json::value& value);

// A certificate record as clients read it (`inventory`, `credwatch scan --json`).
[[nodiscard]] Result<FoundCertificate> found_certificate_from_json(const boost::json::value& value);
// One record of a `report_certificates` request: `der` (base64) decoded, and the client's
// `location` and `source`. Errc::invalid_argument when it is not a record (not an object, or no
// `der`: the asserted-fields form of earlier versions); Errc::parse_error when `der` is not
// base64 or longer than max_der_bytes (the record becomes a failure, the report goes on).
[[nodiscard]] Result<ReportedCertificate> reported_certificate_from_json(
    const boost::json::value& value, std::size_t max_der_bytes);
[[nodiscard]] Result<ScanFailure> scan_failure_from_json(const boost::json::value& value);

// A check as the catalog defines it, with its parameters (`session_checks` of the "checks"
// reply: what a client runs in its user's session). Parameters are typed by their JSON type:
// string, integer, array of strings.
boost::json::object to_json(const CheckDefinition& check);
[[nodiscard]] Result<CheckDefinition> check_definition_from_json(const boost::json::value& value);
// One result of a "report_checks" request: system, id, state, evidence_ja, evidence_en.
boost::json::object to_json(const SessionCheckResult& result);
[[nodiscard]] Result<SessionCheckResult> session_check_result_from_json(
    const boost::json::value& value);

}  // namespace credwatch
