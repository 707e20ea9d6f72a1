// The latest result of each check the service runs, and of each session check per user
// (docs/doctor.md).

#include "store_internal.hpp"

namespace credwatch {

using namespace sql;

namespace {

constexpr const char* kColumns =
    "system, id, user, state, evidence_ja, evidence_en, checked_at, failing_since, notified_at";

CheckRecord read_check_record(const Statement& row) {
    CheckRecord r;
    r.system = row.text(0);
    r.id = row.text(1);
    r.user = row.text(2);
    // A state this version does not know (a newer one wrote it) is what it cannot check.
    r.state = parse_check_state(row.text(3)).value_or(CheckState::cannot_check);
    r.evidence_ja = row.text(4);
    r.evidence_en = row.text(5);
    r.checked_at = row.time(6);
    r.failing_since = row.optional_time(7);
    r.notified_at = row.optional_time(8);
    return r;
}

}  // namespace

Result<std::vector<CheckRecord>> Store::check_results() {
    auto& c = impl_->conn;
    return c.transaction("list check results", Tx::read, [&]() -> Result<std::vector<CheckRecord>> {
        CW_TRY_ASSIGN(s, c.prepare("list check results",
                                   std::string("SELECT ") + kColumns +
                                       " FROM check_results ORDER BY system, id, user"));
        return collect_rows(s, read_check_record);
    });
}

Status Store::save_check_results(const std::vector<CheckRecord>& records) {
    auto& c = impl_->conn;
    return c.transaction("save check results", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(s, c.prepare("save check results",
                                   std::string("INSERT OR REPLACE INTO check_results (") +
                                       kColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
        for (const auto& r : records) {
            s.reset();
            s.bind(1, r.system).bind(2, r.id).bind(3, r.user);
            s.bind(4, std::string(to_string(r.state)));
            s.bind(5, r.evidence_ja).bind(6, r.evidence_en).bind(7, r.checked_at);
            s.bind(8, r.failing_since).bind(9, r.notified_at);
            CW_TRY(s.run());
        }
        return {};
    });
}

}  // namespace credwatch
