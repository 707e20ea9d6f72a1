// Credentials, their tombstones and issuances.

#include "store_internal.hpp"

#include "credwatch/base/civil_time.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace credwatch {

using namespace std::chrono;
using namespace sql;
using namespace store_detail;

namespace {

Result<std::optional<Credential>> find_credential(const Connection& c, std::string_view id) {
    CW_TRY_ASSIGN(
        s, c.prepare("read credential",
                     fmt::format("SELECT {} FROM credentials WHERE id = ?1", kCredentialColumns)));
    s.bind(1, id);
    CW_TRY_ASSIGN(row, s.step());
    if (!row) return std::optional<Credential>{};
    CW_TRY_ASSIGN(cred, read_credential(s, c));
    return std::optional<Credential>{std::move(cred)};
}

Result<Credential> require_credential(const Connection& c, std::string_view id) {
    CW_TRY_ASSIGN(found, find_credential(c, id));
    if (!found) return credential_not_found(id);
    return std::move(*found);
}

std::string short_sha(std::string_view sha256) {
    return std::string(sha256.substr(0, std::min<std::size_t>(16, sha256.size())));
}

std::string describe_certificate(const std::optional<TimePoint>& not_after,
                                 std::string_view sha256) {
    if (sha256.empty() && !not_after) return {};
    return fmt::format("{} sha256:{}", describe_instant(not_after), short_sha(sha256));
}

}  // namespace

namespace store_detail {

std::string describe_instant(const std::optional<TimePoint>& t) {
    return t ? format_utc(*t) : std::string{};
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

Error credential_not_found(std::string_view id) {
    return make_error(Errc::not_found, fmt::format("credential \"{}\" not found", id));
}

Result<bool> credential_exists(const Connection& c, std::string_view id) {
    CW_TRY_ASSIGN(s, c.prepare("check credential", "SELECT 1 FROM credentials WHERE id = ?1"));
    s.bind(1, id);
    return s.step();
}

Result<std::optional<Date>> read_renewed_on(const Statement& s, int col, const Connection& c,
                                            std::string_view id) {
    if (s.is_null(col)) return std::optional<Date>{};
    auto date = parse_date(s.text(col));
    if (!date) {
        return make_error(Errc::database_error,
                          fmt::format("database {}: credential {} has a corrupt renewed_on: {}",
                                      c.file(), id, date.error().message));
    }
    return std::optional<Date>{*date};
}

Result<Credential> read_credential(const Statement& s, const Connection& c) {
    Credential out;
    out.id = s.text(0);
    out.system = s.text(1);
    out.kind = s.text(2);
    out.label = s.text(3);
    out.owner = s.text(4);
    out.generation = s.int64(5);
    CW_TRY_ASSIGN(renewed_on, read_renewed_on(s, 6, c, out.id));
    out.renewed_on = renewed_on;
    out.issued = s.int32(7);
    out.limit = s.optional_int(8);
    out.lifetime_days = s.optional_int(9);
    out.document_path = s.text(10);
    out.not_after = s.optional_time(11);
    out.certificate_sha256 = s.text(12);
    out.certificate_location = s.text(13);
    out.source = s.text(14);
    return out;
}

Status insert_credential(const Connection& c, std::string_view what, const Credential& cred,
                         std::string_view reference_sha256,
                         const std::optional<TimePoint>& reference_not_after,
                         TimePoint created_at) {
    CW_TRY_ASSIGN(
        s, c.prepare(what,
                     "INSERT INTO credentials (id, system, kind, label, owner, generation, "
                     "renewed_on, issued, limit_override, lifetime_override, document_path, "
                     "not_after, certificate_sha256, certificate_location, reference_sha256, "
                     "reference_not_after, source, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                     "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"));
    s.bind(1, cred.id).bind(2, cred.system).bind(3, cred.kind).bind(4, cred.label);
    s.bind(5, cred.owner).bind(6, cred.generation);
    if (cred.renewed_on) {
        s.bind(7, format_date(*cred.renewed_on));
    } else {
        s.bind_null(7);
    }
    s.bind(8, cred.issued).bind(9, cred.limit).bind(10, cred.lifetime_days);
    s.bind(11, cred.document_path).bind(12, cred.not_after).bind(13, cred.certificate_sha256);
    s.bind(14, cred.certificate_location).bind(15, reference_sha256);
    s.bind(16, reference_not_after).bind(17, cred.source).bind(18, created_at);
    CW_TRY(s.run());
    CW_TRY_ASSIGN(t, c.prepare(what, "DELETE FROM credential_tombstones WHERE id = ?1"));
    t.bind(1, cred.id);
    return t.run();
}

Status write_tombstone(const Connection& c, std::string_view what, std::string_view id,
                       TimePoint removed_at, std::string_view os_user) {
    CW_TRY_ASSIGN(t, c.prepare(what,
                               "INSERT INTO credential_tombstones (id, removed_at, os_user) "
                               "VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET "
                               "removed_at = excluded.removed_at, os_user = excluded.os_user"));
    t.bind(1, id).bind(2, removed_at).bind(3, os_user);
    return t.run();
}

Status insert_issuance(const Connection& c, std::string_view what, std::string_view credential_id,
                       TimePoint at, std::string_view os_user, std::string_view note) {
    CW_TRY_ASSIGN(i, c.prepare(what,
                               "INSERT INTO issuances (credential_id, at, os_user, note) "
                               "VALUES (?1, ?2, ?3, ?4)"));
    i.bind(1, credential_id).bind(2, at).bind(3, os_user).bind(4, note);
    return i.run();
}

}  // namespace store_detail

Result<std::vector<Credential>> Store::credentials() {
    auto& c = impl_->conn;
    return c.transaction("list credentials", Tx::read, [&]() -> Result<std::vector<Credential>> {
        return select_all(c, "list credentials",
                          fmt::format("SELECT {} FROM credentials ORDER BY id", kCredentialColumns),
                          [&](const Statement& row) { return read_credential(row, c); });
    });
}

Result<Credential> Store::credential(std::string_view id) {
    auto& c = impl_->conn;
    return c.transaction("read credential", Tx::read,
                         [&]() -> Result<Credential> { return require_credential(c, id); });
}

Status Store::add_credential(const Credential& cred, const Actor& actor) {
    if (cred.id.empty()) return make_error(Errc::invalid_argument, "a credential needs an id");
    if (cred.generation < 1) {
        return make_error(Errc::invalid_argument,
                          fmt::format("credential \"{}\": generation must be at least 1", cred.id));
    }
    if (cred.issued < 0) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("credential \"{}\": issued count cannot be negative", cred.id));
    }
    if (cred.renewed_on && !cred.renewed_on->ok()) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("credential \"{}\": renewed_on is not a valid date", cred.id));
    }
    auto& c = impl_->conn;
    return c.transaction("add credential", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(exists, credential_exists(c, cred.id));
        if (exists) {
            return make_error(Errc::already_exists,
                              fmt::format("credential \"{}\" already exists", cred.id));
        }
        const TimePoint now = impl_->clock.now();
        CW_TRY(insert_credential(c, "add credential", cred, cred.certificate_sha256, cred.not_after,
                                 now));
        return write_audit(c, now, actor, "add", cred.id, "",
                           fmt::format("{}/{}", cred.system, cred.kind));
    });
}

Status Store::remove_credential(std::string_view id, const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("remove credential", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        const TimePoint now = impl_->clock.now();
        // Reminders, issuances and bindings go with it (ON DELETE CASCADE); the audit stays.
        CW_TRY_ASSIGN(d, c.prepare("remove credential", "DELETE FROM credentials WHERE id = ?1"));
        d.bind(1, id);
        CW_TRY(d.run());
        CW_TRY(write_tombstone(c, "remove credential", id, now, actor.os_user));
        return write_audit(
            c, now, actor, "remove", id,
            fmt::format("{}/{} generation {}", cred.system, cred.kind, cred.generation), "");
    });
}

Result<bool> Store::is_removed(std::string_view id) {
    auto& c = impl_->conn;
    return c.transaction("read tombstone", Tx::read, [&]() -> Result<bool> {
        CW_TRY_ASSIGN(
            s, c.prepare("read tombstone", "SELECT 1 FROM credential_tombstones WHERE id = ?1"));
        s.bind(1, id);
        return s.step();
    });
}

Status Store::record_renewal(std::string_view id, Date on, const Actor& actor) {
    if (!on.ok()) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("credential \"{}\": the renewal date is not a valid date", id));
    }
    auto& c = impl_->conn;
    return c.transaction("record renewal", Tx::write, [&]() -> Status {
        const TimePoint now = impl_->clock.now();
        const Date today = local_date(now);
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        if (days_between(today, on) > 1) {
            return make_error(Errc::invalid_argument,
                              fmt::format("credential \"{}\": cannot record a change in the "
                                          "future ({} is after today, {})",
                                          id, format_date(on), format_date(today)));
        }
        CW_TRY_ASSIGN(s, c.prepare("record renewal",
                                   "UPDATE credentials SET renewed_on = ?2, "
                                   "generation = generation + 1 WHERE id = ?1"));
        s.bind(1, id).bind(2, format_date(on));
        CW_TRY(s.run());
        return write_audit(c, now, actor, "renewed", id,
                           cred.renewed_on ? format_date(*cred.renewed_on) : std::string{},
                           format_date(on));
    });
}

Result<int> Store::record_issuance(std::string_view id, const Actor& actor, std::string_view note) {
    auto& c = impl_->conn;
    return c.transaction("record issuance", Tx::write, [&]() -> Result<int> {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        const TimePoint now = impl_->clock.now();
        const int total = cred.issued + 1;
        CW_TRY_ASSIGN(
            u, c.prepare("record issuance", "UPDATE credentials SET issued = ?2 WHERE id = ?1"));
        u.bind(1, id).bind(2, total);
        CW_TRY(u.run());
        CW_TRY(insert_issuance(c, "record issuance", id, now, actor.os_user, note));
        CW_TRY(write_audit(c, now, actor, "issued", id, std::to_string(cred.issued),
                           std::to_string(total)));
        return total;
    });
}

Result<int> Store::set_issued(std::string_view id, int total, const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("set issued count", Tx::write, [&]() -> Result<int> {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        if (total < cred.issued) {
            return make_error(Errc::invalid_argument,
                              fmt::format("credential \"{}\": cannot lower the issued count from "
                                          "{} to {}: deleting a certificate does not give an "
                                          "issuance back",
                                          id, cred.issued, total));
        }
        if (total == cred.issued) return total;
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(
            u, c.prepare("set issued count", "UPDATE credentials SET issued = ?2 WHERE id = ?1"));
        u.bind(1, id).bind(2, total);
        CW_TRY(u.run());
        CW_TRY(write_audit(c, now, actor, "issued-total", id, std::to_string(cred.issued),
                           std::to_string(total)));
        return total;
    });
}

Status Store::bind_certificate(std::string_view id, const std::optional<FoundCertificate>& cert,
                               const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("bind certificate", Tx::write, [&]() -> Status {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        const auto old_text = describe_certificate(cred.not_after, cred.certificate_sha256);
        const TimePoint now = impl_->clock.now();
        if (!cert) {
            if (cred.certificate_sha256.empty() && !cred.not_after &&
                cred.certificate_location.empty()) {
                return {};  // nothing bound: nothing to clear
            }
            CW_TRY_ASSIGN(u, c.prepare("clear certificate",
                                       "UPDATE credentials SET not_after = NULL, "
                                       "certificate_sha256 = '', certificate_location = '' "
                                       "WHERE id = ?1"));
            u.bind(1, id);
            CW_TRY(u.run());
            return write_audit(c, now, actor, "certificate-bound", id, old_text, "");
        }

        const std::string sha = lower_ascii(cert->info.sha256);
        if (sha == cred.certificate_sha256) return {};  // the same certificate: no change

        // Compare with the reference certificate, even if a scan has since cleared the binding.
        CW_TRY_ASSIGN(r, c.prepare("bind certificate",
                                   "SELECT reference_sha256, reference_not_after "
                                   "FROM credentials WHERE id = ?1"));
        r.bind(1, id);
        CW_TRY_ASSIGN(has_row, r.step());
        if (!has_row) return credential_not_found(id);
        const std::string ref_sha = r.text(0);
        const std::optional<TimePoint> ref_not_after = r.optional_time(1);

        // A different certificate that lasts longer is a renewal: a new generation, so that
        // its reminders fire afresh. The first certificate ever bound, the same one coming
        // back, or an older one found elsewhere keep the generation (and the reference).
        const bool renewed =
            !ref_sha.empty() && sha != ref_sha &&
            (!ref_not_after || to_unix(cert->info.not_after) > to_unix(*ref_not_after));
        const bool new_reference = ref_sha.empty() || renewed;
        CW_TRY_ASSIGN(u, c.prepare("bind certificate",
                                   "UPDATE credentials SET not_after = ?2, "
                                   "certificate_sha256 = ?3, certificate_location = ?4, "
                                   "reference_sha256 = IIF(?6, ?3, reference_sha256), "
                                   "reference_not_after = IIF(?6, ?2, "
                                   "reference_not_after), "
                                   "generation = generation + ?5 WHERE id = ?1"));
        u.bind(1, id).bind(2, cert->info.not_after).bind(3, sha).bind(4, cert->location);
        u.bind(5, renewed ? 1 : 0).bind(6, new_reference);
        CW_TRY(u.run());
        if (renewed) {
            // The old certificate stays in the inventory, marked as the one this renewal
            // replaced.
            CW_TRY_ASSIGN(m, c.prepare("bind certificate",
                                       "INSERT INTO certificate_replacements (sha256, "
                                       "credential_id, replaced_by, replaced_at) "
                                       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO UPDATE "
                                       "SET credential_id = excluded.credential_id, "
                                       "replaced_by = excluded.replaced_by, "
                                       "replaced_at = excluded.replaced_at"));
            m.bind(1, ref_sha).bind(2, id).bind(3, sha).bind(4, now);
            CW_TRY(m.run());
        }
        return write_audit(c, now, actor, "certificate-bound", id, old_text,
                           describe_certificate(cert->info.not_after, sha));
    });
}

}  // namespace credwatch
