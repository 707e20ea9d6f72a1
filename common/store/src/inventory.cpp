// The certificate inventory, its scan failures and its bindings to credentials.

#include "store_internal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace credwatch {

using namespace std::chrono;
using namespace sql;
using namespace store_detail;

namespace {

Errc errc_from_name(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
        auto code = static_cast<Errc>(i);
        if (to_string(code) == name) return code;
    }
    return Errc::internal;
}

bool is_sha256_hex(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char ch) {
               return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
           });
}

}  // namespace

Status Store::replace_inventory(std::string_view origin, const ScanResult& scan) {
    auto& c = impl_->conn;
    return c.transaction("replace inventory", Tx::write, [&]() -> Status {
        const TimePoint now = impl_->clock.now();
        std::map<std::pair<std::string, std::string>, std::int64_t> first_seen;
        {
            CW_TRY_ASSIGN(s, c.prepare("replace inventory",
                                       "SELECT location, sha256, first_seen FROM inventory "
                                       "WHERE origin = ?1"));
            s.bind(1, origin);
            CW_TRY_ASSIGN(rows, collect_rows(s, [](const Statement& row) {
                              return std::pair(std::pair(row.text(0), row.text(1)), row.int64(2));
                          }));
            first_seen.insert(rows.begin(), rows.end());
        }
        for (const char* sql : {"DELETE FROM inventory WHERE origin = ?1",
                                "DELETE FROM inventory_failures WHERE origin = ?1"}) {
            CW_TRY_ASSIGN(d, c.prepare("replace inventory", sql));
            d.bind(1, origin);
            CW_TRY(d.run());
        }
        CW_TRY_ASSIGN(
            ins, c.prepare("replace inventory",
                           "INSERT INTO inventory (origin, location, source, owner, subject, "
                           "issuer, serial, not_before, not_after, sha1, sha256, is_ca, key_usage, "
                           "first_seen, last_seen, extended_key_usage) VALUES (?1, ?2, ?3, ?4, "
                           "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
                           "ON CONFLICT (origin, location, sha256) DO NOTHING"));
        for (const auto& found : scan.certificates) {
            const auto& info = found.info;
            const std::string sha = lower_ascii(info.sha256);
            auto seen = first_seen.find(std::pair(found.location, sha));
            const std::int64_t first = seen != first_seen.end() ? seen->second : to_unix(now);
            ins.bind(1, origin).bind(2, found.location).bind(3, found.source);
            ins.bind(4, found.owner).bind(5, info.subject).bind(6, info.issuer);
            ins.bind(7, info.serial).bind(8, info.not_before).bind(9, info.not_after);
            ins.bind(10, lower_ascii(info.sha1)).bind(11, sha).bind(12, info.is_ca);
            ins.bind(13, join(info.key_usage, ",")).bind(14, first).bind(15, now);
            ins.bind(16, join(info.extended_key_usage, ","));
            CW_TRY(ins.run());
            ins.reset();
        }
        CW_TRY_ASSIGN(fail, c.prepare("replace inventory",
                                      "INSERT INTO inventory_failures (origin, location, "
                                      "code, error, seen) VALUES (?1, ?2, ?3, ?4, ?5)"));
        for (const auto& f : scan.failures) {
            fail.bind(1, origin).bind(2, f.location).bind(3, to_string(f.code));
            fail.bind(4, f.error).bind(5, now);
            CW_TRY(fail.run());
            fail.reset();
        }
        return {};
    });
}

Result<std::vector<InventoryEntry>> Store::inventory() {
    auto& c = impl_->conn;
    return c.transaction("list inventory", Tx::read, [&]() -> Result<std::vector<InventoryEntry>> {
        CW_TRY_ASSIGN(
            s, c.prepare("list inventory",
                         "SELECT i.location, i.source, i.owner, i.subject, i.issuer, i.serial, "
                         "i.not_before, i.not_after, i.sha1, i.sha256, i.is_ca, i.key_usage, "
                         "i.first_seen, i.last_seen, "
                         "COALESCE((SELECT b.credential_id FROM inventory_bindings b "
                         "          WHERE b.sha256 = i.sha256), "
                         "         (SELECT c.id FROM credentials c "
                         "          WHERE c.certificate_sha256 = i.sha256 ORDER BY c.id LIMIT 1), "
                         "         ''), "
                         "substr(i.origin, 1, 5) = 'user:', i.extended_key_usage, "
                         "COALESCE((SELECT r.replaced_by FROM certificate_replacements r "
                         "          WHERE r.sha256 = i.sha256), '') "
                         "FROM inventory i ORDER BY i.origin, i.location, i.sha256"));
        return collect_rows(s, [](const Statement& row) {
            InventoryEntry e;
            e.certificate.location = row.text(0);
            e.certificate.source = row.text(1);
            e.certificate.owner = row.text(2);
            auto& info = e.certificate.info;
            info.subject = row.text(3);
            info.issuer = row.text(4);
            info.serial = row.text(5);
            info.not_before = row.time(6);
            info.not_after = row.time(7);
            info.sha1 = row.text(8);
            info.sha256 = row.text(9);
            info.is_ca = row.int64(10) != 0;
            info.key_usage = split(row.text(11), ',');
            e.first_seen = row.time(12);
            e.last_seen = row.time(13);
            e.bound_credential = row.text(14);
            // Origins "user:<name>" hold reports (EvaluationPass::replace_reported_inventory).
            e.certificate.provenance =
                row.int64(15) != 0 ? Provenance::reported : Provenance::scanned;
            info.extended_key_usage = split(row.text(16), ',');
            e.replaced_by = row.text(17);
            return e;
        });
    });
}

Result<std::vector<InventoryFailure>> Store::inventory_failures() {
    auto& c = impl_->conn;
    return c.transaction(
        "list inventory failures", Tx::read, [&]() -> Result<std::vector<InventoryFailure>> {
            CW_TRY_ASSIGN(s, c.prepare("list inventory failures",
                                       "SELECT location, code, error, seen FROM "
                                       "inventory_failures ORDER BY origin, location, id"));
            return collect_rows(s, [](const Statement& row) {
                InventoryFailure f;
                f.failure.location = row.text(0);
                f.failure.code = errc_from_name(row.text(1));
                f.failure.error = row.text(2);
                f.seen = row.time(3);
                return f;
            });
        });
}

Status Store::bind_inventory(std::string_view sha256, std::string_view credential_id,
                             const Actor& actor) {
    const std::string sha = lower_ascii(sha256);
    if (!is_sha256_hex(sha)) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("\"{}\" is not a SHA-256 fingerprint (64 hex digits)", sha256));
    }
    auto& c = impl_->conn;
    return c.transaction("bind inventory certificate", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(exists, credential_exists(c, credential_id));
        if (!exists) return credential_not_found(credential_id);
        std::string previous;
        {
            CW_TRY_ASSIGN(s, c.prepare("bind inventory certificate",
                                       "SELECT credential_id FROM inventory_bindings "
                                       "WHERE sha256 = ?1"));
            s.bind(1, sha);
            CW_TRY_ASSIGN(row, s.step());
            if (row) previous = s.text(0);
        }
        if (previous == credential_id) return {};  // already bound so
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(u, c.prepare("bind inventory certificate",
                                   "INSERT INTO inventory_bindings (sha256, credential_id, "
                                   "bound_at, os_user) VALUES (?1, ?2, ?3, ?4) "
                                   "ON CONFLICT (sha256) DO UPDATE SET "
                                   "credential_id = excluded.credential_id, "
                                   "bound_at = excluded.bound_at, "
                                   "os_user = excluded.os_user"));
        u.bind(1, sha).bind(2, credential_id).bind(3, now).bind(4, actor.os_user);
        CW_TRY(u.run());
        return write_audit(c, now, actor, "inventory-bound", credential_id,
                           previous.empty() ? std::string{} : "was " + previous, "sha256:" + sha);
    });
}

}  // namespace credwatch
