// The audit trail.

#include "store_internal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace credwatch {

using namespace std::chrono;
using namespace sql;
using namespace store_detail;

namespace store_detail {

Status write_audit(const Connection& c, TimePoint at, const Actor& actor, std::string_view action,
                   std::string_view target, std::string_view old_value,
                   std::string_view new_value) {
    CW_TRY_ASSIGN(s, c.prepare("write audit",
                               "INSERT INTO audit (at, os_user, via, action, target, "
                               "old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, at).bind(2, actor.os_user).bind(3, actor.via).bind(4, action).bind(5, target);
    s.bind(6, old_value).bind(7, new_value);
    return s.run();
}

AuditEntry read_audit_entry(const Statement& s) {
    AuditEntry e;
    e.id = s.int64(0);
    e.at = s.time(1);
    e.os_user = s.text(2);
    e.via = s.text(3);
    e.action = s.text(4);
    e.target = s.text(5);
    e.old_value = s.text(6);
    e.new_value = s.text(7);
    return e;
}

}  // namespace store_detail

Result<std::vector<AuditEntry>> Store::audit(std::size_t limit) {
    auto& c = impl_->conn;
    return c.transaction("read audit", Tx::read, [&]() -> Result<std::vector<AuditEntry>> {
        CW_TRY_ASSIGN(
            s, c.prepare("read audit", fmt::format("SELECT {} FROM audit ORDER BY id DESC LIMIT ?1",
                                                   kAuditColumns)));
        s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(
                      limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()))));
        return collect_rows(s, read_audit_entry);
    });
}

Status Store::audit_change(std::string_view action, std::string_view target,
                           std::string_view old_value, std::string_view new_value,
                           const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("write audit", Tx::write, [&]() -> Status {
        return write_audit(c, impl_->clock.now(), actor, action, target, old_value, new_value);
    });
}

}  // namespace credwatch
