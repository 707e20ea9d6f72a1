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

}  // namespace store_detail

Result<std::vector<AuditEntry>> Store::audit(std::size_t limit) {
    auto& c = impl_->conn;
    return c.transaction("read audit", Tx::read, [&]() -> Result<std::vector<AuditEntry>> {
        CW_TRY_ASSIGN(s, c.prepare("read audit",
                                   "SELECT id, at, os_user, via, action, target, old_value, "
                                   "new_value FROM audit ORDER BY id DESC LIMIT ?1"));
        s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(
                      limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()))));
        return collect_rows(s, [](const Statement& row) {
            AuditEntry e;
            e.id = row.int64(0);
            e.at = row.time(1);
            e.os_user = row.text(2);
            e.via = row.text(3);
            e.action = row.text(4);
            e.target = row.text(5);
            e.old_value = row.text(6);
            e.new_value = row.text(7);
            return e;
        });
    });
}

}  // namespace credwatch
