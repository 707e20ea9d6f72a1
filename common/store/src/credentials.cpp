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
    out.issued_here = s.int32(15);
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

Status insert_issuance(const Connection& c, std::string_view what, const Issuance& row) {
    CW_TRY_ASSIGN(i, c.prepare(what,
                               "INSERT INTO issuances (credential_id, at, os_user, note, how, "
                               "certificate_sha256, subject, not_before, total, imported_from) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    i.bind(1, row.credential_id).bind(2, row.at).bind(3, row.os_user).bind(4, row.note);
    i.bind(5, to_string(row.how)).bind(6, lower_ascii(row.certificate_sha256));
    i.bind(7, row.subject).bind(8, row.not_before).bind(9, row.total);
    i.bind(10, row.imported_from);
    return i.run();
}

Issuance read_issuance(const Statement& s) {
    Issuance out;
    out.id = s.int64(0);
    out.credential_id = s.text(1);
    out.at = s.time(2);
    out.how = parse_issuance_how(s.text(3)).value_or(IssuanceHow::recorded);
    out.certificate_sha256 = s.text(4);
    out.subject = s.text(5);
    out.not_before = s.optional_time(6);
    out.total = s.optional_int(7);
    out.os_user = s.text(8);
    out.note = s.text(9);
    out.imported_from = s.text(10);
    return out;
}

// The count is the number of this PC's recorded and seen rows, or a stated total plus the rows
// issued after the statement (a seen certificate by its notBefore), whichever is more; and
// never less than it was (a count from before the ledger, the higher count a ledger import
// keeps: imported rows are listed, the other PC's count comes with its credential).
Result<int> recount_issued(const Connection& c, std::string_view what, std::string_view id) {
    CW_TRY_ASSIGN(
        u, c.prepare(what,
                     "WITH r AS (SELECT IIF(how = 'seen' AND not_before IS NOT NULL, "
                     "not_before, at) AS t FROM issuances WHERE credential_id = ?1 AND "
                     "how != 'stated' AND imported_from = '') "
                     "UPDATE credentials SET issued = MAX(issued, (SELECT COUNT(*) FROM r), "
                     "COALESCE((SELECT MAX(s.total + (SELECT COUNT(*) FROM r WHERE r.t > s.at)) "
                     "FROM issuances s WHERE s.credential_id = ?1 AND s.how = 'stated' AND "
                     "s.imported_from = ''), 0)) "
                     "WHERE id = ?1"));
    u.bind(1, id);
    CW_TRY(u.run());
    CW_TRY_ASSIGN(r, c.prepare(what, "SELECT issued FROM credentials WHERE id = ?1"));
    r.bind(1, id);
    CW_TRY_ASSIGN(row, r.step());
    if (!row) return credential_not_found(id);
    return r.int32(0);
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
        Issuance row;
        row.credential_id = std::string(id);
        row.at = now;
        row.how = IssuanceHow::recorded;
        row.os_user = actor.os_user;
        row.note = std::string(note);
        CW_TRY(insert_issuance(c, "record issuance", row));
        // A person's "one more": one above the count, whatever the rows say.
        CW_TRY_ASSIGN(u, c.prepare("record issuance",
                                   "UPDATE credentials SET issued = issued + 1 WHERE id = ?1"));
        u.bind(1, id);
        CW_TRY(u.run());
        CW_TRY_ASSIGN(total, recount_issued(c, "record issuance", id));
        CW_TRY(write_audit(c, now, actor, "issued", id, std::to_string(cred.issued),
                           std::to_string(total)));
        return total;
    });
}

Result<int> Store::set_issued(std::string_view id, int total, const Actor& actor,
                              std::string_view note) {
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
        Issuance row;
        row.credential_id = std::string(id);
        row.at = now;
        row.how = IssuanceHow::stated;
        row.total = total;
        row.os_user = actor.os_user;
        row.note = std::string(note);
        CW_TRY(insert_issuance(c, "set issued count", row));
        CW_TRY_ASSIGN(counted, recount_issued(c, "set issued count", id));
        CW_TRY(write_audit(c, now, actor, "issued-total", id, std::to_string(cred.issued),
                           std::to_string(counted)));
        return counted;
    });
}

Result<int> Store::raise_issued(std::string_view id, int floor, const Actor& actor,
                                std::string_view note) {
    auto& c = impl_->conn;
    {
        // Read first: the pass calls this every time, and a write transaction is not free.
        auto cred = c.transaction("read credential", Tx::read, [&]() -> Result<Credential> {
            return require_credential(c, id);
        });
        if (!cred) return cred.error();
        if (cred->issued >= floor) return cred->issued;
    }
    auto raised = set_issued(id, floor, actor, note);
    if (!raised && raised.error().code == Errc::invalid_argument) {
        // Raised meanwhile above the floor: nothing to state.
        auto cred = credential(id);
        if (!cred) return cred.error();
        return cred->issued;
    }
    return raised;
}

Result<int> Store::record_seen_issuances(std::string_view id,
                                         const std::vector<CountedCertificate>& certificates,
                                         const Actor& actor) {
    if (certificates.empty()) return 0;
    auto& c = impl_->conn;
    // Every pass hands over every certificate: look in a read transaction first, so that a
    // pass with nothing new takes no write lock.
    auto anything_new = c.transaction("read issuances", Tx::read, [&]() -> Result<bool> {
        CW_TRY_ASSIGN(known, c.prepare("read issuances",
                                       "SELECT 1 FROM issuances WHERE credential_id = ?1 AND "
                                       "certificate_sha256 = ?2"));
        for (const auto& cert : certificates) {
            known.reset();
            known.bind(1, id).bind(2, lower_ascii(cert.sha256));
            CW_TRY_ASSIGN(is_known, known.step());
            if (!is_known) return true;
        }
        return false;
    });
    if (!anything_new) return anything_new.error();
    if (!*anything_new) return 0;
    return c.transaction("record seen issuances", Tx::write, [&]() -> Result<int> {
        CW_TRY_ASSIGN(cred, require_credential(c, id));
        const TimePoint now = impl_->clock.now();
        int changed = 0;
        for (const auto& cert : certificates) {
            const std::string sha = lower_ascii(cert.sha256);
            CW_TRY_ASSIGN(known, c.prepare("record seen issuances",
                                           "SELECT 1 FROM issuances WHERE credential_id = ?1 "
                                           "AND certificate_sha256 = ?2"));
            known.bind(1, id).bind(2, sha);
            CW_TRY_ASSIGN(is_known, known.step());
            if (is_known) continue;  // a certificate is one issuance, also after its deletion
            const auto window =
                std::chrono::duration_cast<TimePoint::duration>(kIssuanceLinkWindow);
            CW_TRY_ASSIGN(open,
                          c.prepare("record seen issuances",
                                    "SELECT id FROM issuances WHERE credential_id = ?1 AND "
                                    "how = 'recorded' AND certificate_sha256 = '' AND "
                                    "imported_from = '' AND at BETWEEN ?2 AND ?3 ORDER BY at, id "
                                    "LIMIT 1"));
            open.bind(1, id).bind(2, cert.not_before - window).bind(3, cert.not_before + window);
            CW_TRY_ASSIGN(has_open, open.step());
            std::string audit_action;
            if (has_open) {
                const std::int64_t row_id = open.int64(0);
                CW_TRY_ASSIGN(link, c.prepare("record seen issuances",
                                              "UPDATE issuances SET certificate_sha256 = ?2, "
                                              "subject = ?3, not_before = ?4 WHERE id = ?1"));
                link.bind(1, row_id).bind(2, sha).bind(3, cert.subject).bind(4, cert.not_before);
                CW_TRY(link.run());
                audit_action = "issuance-linked";
            } else {
                Issuance row;
                row.credential_id = std::string(id);
                row.at = now;
                row.how = IssuanceHow::seen;
                row.certificate_sha256 = sha;
                row.subject = cert.subject;
                row.not_before = cert.not_before;
                row.os_user = actor.os_user;
                CW_TRY(insert_issuance(c, "record seen issuances", row));
                audit_action = "issuance-seen";
            }
            CW_TRY(write_audit(c, now, actor, audit_action, id, "",
                               fmt::format("sha256:{} {}", short_sha(sha), cert.subject)));
            ++changed;
        }
        if (changed == 0) return 0;
        CW_TRY_ASSIGN(total, recount_issued(c, "record seen issuances", id));
        if (total != cred.issued)
            CW_TRY(write_audit(c, now, actor, "issued-seen", id, std::to_string(cred.issued),
                               std::to_string(total)));
        return changed;
    });
}

Result<std::vector<Issuance>> Store::issuances(std::string_view credential_id) {
    auto& c = impl_->conn;
    return c.transaction("list issuances", Tx::read, [&]() -> Result<std::vector<Issuance>> {
        std::vector<Issuance> out;
        CW_TRY_ASSIGN(s, c.prepare("list issuances",
                                   "SELECT id, credential_id, at, how, certificate_sha256, "
                                   "subject, not_before, total, os_user, note, imported_from "
                                   "FROM issuances WHERE ?1 = '' OR credential_id = ?1 "
                                   "ORDER BY at, id"));
        s.bind(1, credential_id);
        for (;;) {
            CW_TRY_ASSIGN(row, s.step());
            if (!row) break;
            out.push_back(read_issuance(s));
        }
        return out;
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
