// The ledger: export of everything recorded, and its merge into another database
// (docs/ledger-format.md). The merge never lowers what the target knows: later dates, higher
// generations and counts win, nothing is deleted, and rows already present are not added again.

#include "store_internal.hpp"

#include "credwatch/base/civil_time.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace credwatch {

using namespace std::chrono;
using namespace sql;
using namespace store_detail;

namespace {

constexpr std::string_view kImportedFrom = "imported from ";

Result<std::vector<LedgerCredential>> export_credentials(const Connection& c) {
    return select_all(c, "export ledger",
                      fmt::format("SELECT {}, reference_sha256, reference_not_after, created_at "
                                  "FROM credentials ORDER BY id",
                                  kCredentialColumns),
                      [&](const Statement& row) -> Result<LedgerCredential> {
                          LedgerCredential out;
                          CW_TRY_ASSIGN(credential, read_credential(row, c));
                          out.credential = std::move(credential);
                          out.reference_sha256 = row.text(16);
                          out.reference_not_after = row.optional_time(17);
                          out.created_at = row.time(18);
                          return out;
                      });
}

Result<std::vector<LedgerReminder>> export_reminders(const Connection& c) {
    return select_all(
        c, "export ledger",
        fmt::format("SELECT {}, superseded FROM reminders ORDER BY id", kReminderColumns),
        [](const Statement& row) {
            return LedgerReminder{read_reminder(row), row.int64(12) != 0};
        });
}

// The audit rows of the target, for finding those of the file already present: a row is the
// same when all its fields match and its `via` is the file's, or the file's followed by an
// import marker (a row imported before, possibly from another export of that PC).
using AuditKey =
    std::tuple<std::int64_t, std::string, std::string, std::string, std::string, std::string>;

Result<std::multimap<AuditKey, std::string>> existing_audit(const Connection& c) {
    CW_TRY_ASSIGN(s, c.prepare("import ledger",
                               "SELECT at, os_user, via, action, target, old_value, new_value "
                               "FROM audit"));
    std::multimap<AuditKey, std::string> out;
    for (;;) {
        CW_TRY_ASSIGN(row, s.step());
        if (!row) return out;
        out.emplace(AuditKey{s.int64(0), s.text(1), s.text(3), s.text(4), s.text(5), s.text(6)},
                    s.text(2));
    }
}

std::string marked_via(std::string_view via, std::string_view marker) {
    return via.empty() ? std::string(marker) : fmt::format("{}; {}", via, marker);
}

bool same_origin(std::string_view stored_via, std::string_view file_via) {
    if (stored_via == file_via) return true;
    const std::string prefix = file_via.empty() ? std::string(kImportedFrom)
                                                : fmt::format("{}; {}", file_via, kImportedFrom);
    return stored_via.starts_with(prefix);
}

template <class T>
std::optional<T> later(const std::optional<T>& a, const std::optional<T>& b) {
    if (!a) return b;
    if (!b) return a;
    return std::max(*a, *b);
}

std::optional<TimePoint> earlier(const std::optional<TimePoint>& a,
                                 const std::optional<TimePoint>& b) {
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b);
}

bool same_instant(const std::optional<TimePoint>& a, const std::optional<TimePoint>& b) {
    if (!a || !b) return !a && !b;
    return to_unix(*a) == to_unix(*b);
}

class Importer {
  public:
    Importer(const Connection& c, const Ledger& ledger, const Actor& actor, TimePoint now)
        : c_(c), ledger_(ledger), actor_(actor), now_(now) {}

    Result<LedgerImportSummary> run() {
        for (const auto& lc : ledger_.credentials) CW_TRY(credential(lc));
        for (const auto& t : ledger_.tombstones) CW_TRY(tombstone(t));
        for (const auto& i : ledger_.issuances) CW_TRY(issuance(i));
        for (const auto& r : ledger_.reminders) CW_TRY(reminder(r));
        for (const auto& b : ledger_.bindings) CW_TRY(binding(b));
        for (const auto& m : ledger_.learnt_matches) CW_TRY(learnt_match(m));
        CW_TRY(audit());
        CW_TRY(write_audit(
            c_, now_, actor_, "ledger-import", ledger_.machine, "",
            fmt::format("{}: credentials {} added, {} updated; tombstones {}; issuances {}; "
                        "reminders {} added, {} updated; bindings {}; learnt matches {}; "
                        "audit rows {} added, {} already present",
                        marker(), summary_.credentials_added, summary_.credentials_updated,
                        summary_.tombstones_added, summary_.issuances_added,
                        summary_.reminders_added, summary_.reminders_updated,
                        summary_.bindings_added, summary_.learnt_matches_added,
                        summary_.audit_added, summary_.audit_already_present)));
        return summary_;
    }

  private:
    // When credential `id` was removed here, if it was.
    Result<std::optional<TimePoint>> removed_here(std::string_view id) const {
        CW_TRY_ASSIGN(s, c_.prepare("import ledger",
                                    "SELECT removed_at FROM credential_tombstones WHERE id = ?1"));
        s.bind(1, id);
        CW_TRY_ASSIGN(found, s.step());
        if (!found) return std::optional<TimePoint>{};
        return std::optional<TimePoint>{s.time(0)};
    }

    std::string marker() const {
        return fmt::format("{}{} {}", kImportedFrom, ledger_.machine,
                           format_utc(ledger_.exported_at));
    }

    Status credential(const LedgerCredential& lc) {
        const Credential& in = lc.credential;
        CW_TRY_ASSIGN(s, c_.prepare("import ledger",
                                    "SELECT generation, renewed_on, issued, not_after, "
                                    "certificate_sha256, certificate_location, reference_sha256, "
                                    "reference_not_after, document_path FROM credentials "
                                    "WHERE id = ?1"));
        s.bind(1, in.id);
        CW_TRY_ASSIGN(found, s.step());
        if (!found) return add_credential(lc);

        CW_TRY_ASSIGN(renewed_here, read_renewed_on(s, 1, c_, in.id));
        const std::int64_t generation = std::max(s.int64(0), in.generation);
        const std::optional<Date> renewed_on = later(renewed_here, in.renewed_on);
        const int issued = std::max(s.int32(2), in.issued);
        std::optional<TimePoint> not_after = s.optional_time(3);
        std::string sha = s.text(4);
        std::string location = s.text(5);
        std::string ref_sha = s.text(6);
        std::optional<TimePoint> ref_not_after = s.optional_time(7);
        std::string document_path = s.text(8);
        // A certificate known only to the file is taken; one bound here stays.
        if (sha.empty() && !in.certificate_sha256.empty()) {
            not_after = in.not_after;
            sha = in.certificate_sha256;
            location = in.certificate_location;
        }
        // The reference certificate that lasts longer wins (as a renewal would).
        if (!lc.reference_sha256.empty() &&
            (ref_sha.empty() || (lc.reference_not_after && ref_not_after &&
                                 to_unix(*lc.reference_not_after) > to_unix(*ref_not_after)))) {
            ref_sha = lc.reference_sha256;
            ref_not_after = lc.reference_not_after;
        }
        if (document_path.empty()) document_path = in.document_path;

        const bool changed = generation != s.int64(0) || renewed_on != renewed_here ||
                             issued != s.int32(2) || sha != s.text(4) || ref_sha != s.text(6) ||
                             !same_instant(ref_not_after, s.optional_time(7)) ||
                             document_path != s.text(8);
        if (!changed) return {};
        CW_TRY_ASSIGN(u, c_.prepare("import ledger",
                                    "UPDATE credentials SET generation = ?2, renewed_on = ?3, "
                                    "issued = ?4, not_after = ?5, certificate_sha256 = ?6, "
                                    "certificate_location = ?7, reference_sha256 = ?8, "
                                    "reference_not_after = ?9, document_path = ?10 WHERE id = ?1"));
        u.bind(1, in.id).bind(2, generation);
        if (renewed_on) {
            u.bind(3, format_date(*renewed_on));
        } else {
            u.bind_null(3);
        }
        u.bind(4, issued).bind(5, not_after).bind(6, sha).bind(7, location).bind(8, ref_sha);
        u.bind(9, ref_not_after).bind(10, document_path);
        CW_TRY(u.run());
        ++summary_.credentials_updated;
        return {};
    }

    Status add_credential(const LedgerCredential& lc) {
        const Credential& in = lc.credential;
        // Removed here after the file's credential was created: the removal stands.
        CW_TRY_ASSIGN(removed, removed_here(in.id));
        if (removed && to_unix(*removed) > to_unix(lc.created_at)) return {};
        CW_TRY(insert_credential(c_, "import ledger", in, lc.reference_sha256,
                                 lc.reference_not_after, lc.created_at));
        ++summary_.credentials_added;
        return {};
    }

    // A removal on the other PC stands here too, unless something was recorded here for the
    // credential: the new PC seeds the same site configuration before the import, and those
    // untouched copies must not bring a removed credential back.
    Status tombstone(const LedgerTombstone& t) {
        CW_TRY_ASSIGN(c, c_.prepare("import ledger",
                                    "SELECT generation = 1 AND renewed_on IS NULL AND issued = 0 "
                                    "AND certificate_sha256 = '' AND created_at <= ?2 "
                                    "AND NOT EXISTS (SELECT 1 FROM issuances WHERE "
                                    "credential_id = ?1) FROM credentials WHERE id = ?1"));
        c.bind(1, t.id).bind(2, now_);
        CW_TRY_ASSIGN(tracked, c.step());
        if (tracked) {
            if (c.int64(0) == 0) return {};  // recorded here: the credential stays
            CW_TRY_ASSIGN(d, c_.prepare("import ledger", "DELETE FROM credentials WHERE id = ?1"));
            d.bind(1, t.id);
            CW_TRY(d.run());
        }
        CW_TRY_ASSIGN(removed, removed_here(t.id));
        if (removed && to_unix(*removed) >= to_unix(t.removed_at)) return {};
        CW_TRY(write_tombstone(c_, "import ledger", t.id, t.removed_at, t.os_user));
        if (!removed) ++summary_.tombstones_added;
        return {};
    }

    Status issuance(const LedgerIssuance& i) {
        CW_TRY_ASSIGN(exists, credential_exists(c_, i.credential_id));
        if (!exists) return {};
        CW_TRY_ASSIGN(s, c_.prepare("import ledger",
                                    "SELECT 1 FROM issuances WHERE credential_id = ?1 AND "
                                    "((at = ?2 AND os_user = ?3 AND note = ?4 AND how = ?5) OR "
                                    "(?6 != '' AND certificate_sha256 = ?6))"));
        s.bind(1, i.credential_id).bind(2, i.at).bind(3, i.os_user).bind(4, i.note);
        s.bind(5, to_string(i.how)).bind(6, lower_ascii(i.certificate_sha256));
        CW_TRY_ASSIGN(found, s.step());
        if (found) return {};
        // Rows from another PC are not this PC's own: its metrics do not report them again.
        Issuance row = i;
        if (row.imported_from.empty()) row.imported_from = ledger_.machine;
        CW_TRY(insert_issuance(c_, "import ledger", row));
        CW_TRY(recount_issued(c_, "import ledger", i.credential_id));
        ++summary_.issuances_added;
        return {};
    }

    Status reminder(const LedgerReminder& lr) {
        const Reminder& r = lr.reminder;
        CW_TRY_ASSIGN(exists, credential_exists(c_, r.credential_id));
        if (!exists) return {};
        CW_TRY_ASSIGN(s, c_.prepare("import ledger",
                                    "SELECT id, acknowledged_at, snoozed_until, superseded FROM "
                                    "reminders WHERE credential_id = ?1 AND generation = ?2 AND "
                                    "key = ?3"));
        s.bind(1, r.credential_id).bind(2, r.generation).bind(3, r.key);
        CW_TRY_ASSIGN(found, s.step());
        if (!found) {
            CW_TRY_ASSIGN(u, c_.prepare("import ledger",
                                        "INSERT INTO reminders (credential_id, generation, key, "
                                        "state, days_left, deadline, issued, quota_limit, "
                                        "raised_at, acknowledged_at, snoozed_until, superseded) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                        "?12)"));
            u.bind(1, r.credential_id).bind(2, r.generation).bind(3, r.key);
            u.bind(4, to_string(r.state)).bind(5, r.days_left).bind(6, r.deadline);
            u.bind(7, r.issued).bind(8, r.limit).bind(9, r.raised_at);
            u.bind(10, r.acknowledged_at).bind(11, r.snoozed_until).bind(12, lr.superseded);
            CW_TRY(u.run());
            ++summary_.reminders_added;
            return {};
        }
        // Acknowledged on either PC: acknowledged (the first time); the later snooze wins.
        const std::int64_t id = s.int64(0);
        const auto acknowledged = earlier(s.optional_time(1), r.acknowledged_at);
        const auto snoozed = later(s.optional_time(2), r.snoozed_until);
        const bool superseded = s.int64(3) != 0 || lr.superseded;
        if (same_instant(acknowledged, s.optional_time(1)) &&
            same_instant(snoozed, s.optional_time(2)) && superseded == (s.int64(3) != 0))
            return {};
        CW_TRY_ASSIGN(u, c_.prepare("import ledger",
                                    "UPDATE reminders SET acknowledged_at = ?2, snoozed_until = "
                                    "?3, superseded = ?4 WHERE id = ?1"));
        u.bind(1, id).bind(2, acknowledged).bind(3, snoozed).bind(4, superseded);
        CW_TRY(u.run());
        ++summary_.reminders_updated;
        return {};
    }

    Status binding(const LedgerBinding& b) {
        CW_TRY_ASSIGN(exists, credential_exists(c_, b.credential_id));
        if (!exists) return {};
        CW_TRY_ASSIGN(u, c_.prepare("import ledger",
                                    "INSERT INTO inventory_bindings (sha256, credential_id, "
                                    "bound_at, os_user) VALUES (?1, ?2, ?3, ?4) "
                                    "ON CONFLICT(sha256) DO NOTHING"));
        u.bind(1, lower_ascii(b.sha256)).bind(2, b.credential_id).bind(3, b.bound_at);
        u.bind(4, b.os_user);
        CW_TRY(u.run());
        if (sqlite3_changes(c_.db()) == 1) ++summary_.bindings_added;
        return {};
    }

    // A match this PC learnt itself is kept; one it does not have yet is taken.
    Status learnt_match(const LearntMatch& m) {
        CW_TRY_ASSIGN(u, c_.prepare("import ledger",
                                    "INSERT INTO learnt_matches (system, kind, issuer, "
                                    "subject_contains, learnt_from, learnt_at, os_user) VALUES "
                                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING"));
        u.bind(1, m.system).bind(2, m.kind).bind(3, m.issuer).bind(4, m.subject_contains);
        u.bind(5, lower_ascii(m.learnt_from)).bind(6, m.learnt_at).bind(7, m.os_user);
        CW_TRY(u.run());
        if (sqlite3_changes(c_.db()) == 1) ++summary_.learnt_matches_added;
        return {};
    }

    Status audit() {
        CW_TRY_ASSIGN(present, existing_audit(c_));
        CW_TRY_ASSIGN(u, c_.prepare("import ledger",
                                    "INSERT INTO audit (at, os_user, via, action, target, "
                                    "old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
        const std::string mark = marker();
        for (const auto& e : ledger_.audit) {
            const AuditKey key{to_unix(e.at), e.os_user,   e.action,
                               e.target,      e.old_value, e.new_value};
            auto [first, last] = present.equal_range(key);
            if (std::any_of(first, last,
                            [&](const auto& p) { return same_origin(p.second, e.via); })) {
                ++summary_.audit_already_present;
                continue;
            }
            const std::string via = marked_via(e.via, mark);
            u.bind(1, e.at).bind(2, e.os_user).bind(3, via).bind(4, e.action).bind(5, e.target);
            u.bind(6, e.old_value).bind(7, e.new_value);
            CW_TRY(u.run());
            u.reset();
            present.emplace(key, via);  // the same row twice in one file goes in once
            ++summary_.audit_added;
        }
        return {};
    }

    const Connection& c_;
    const Ledger& ledger_;
    const Actor& actor_;
    TimePoint now_;
    LedgerImportSummary summary_;
};

}  // namespace

Result<Ledger> Store::export_ledger(std::string_view machine) {
    auto& c = impl_->conn;
    return c.transaction("export ledger", Tx::read, [&]() -> Result<Ledger> {
        Ledger out;
        out.exported_at = whole_seconds(impl_->clock.now());
        out.machine = std::string(machine);
        CW_TRY_ASSIGN(credentials, export_credentials(c));
        out.credentials = std::move(credentials);
        CW_TRY_ASSIGN(tombstones,
                      select_all(c, "export ledger",
                                 "SELECT id, removed_at, os_user FROM credential_tombstones "
                                 "ORDER BY id",
                                 [](const Statement& row) {
                                     return LedgerTombstone{row.text(0), row.time(1), row.text(2)};
                                 }));
        out.tombstones = std::move(tombstones);
        CW_TRY_ASSIGN(
            issuances,
            select_all(
                c, "export ledger",
                "SELECT id, credential_id, at, how, certificate_sha256, subject, not_before, "
                "total, os_user, note, imported_from FROM issuances ORDER BY id",
                [](const Statement& row) { return read_issuance(row); }));
        out.issuances = std::move(issuances);
        CW_TRY_ASSIGN(reminders, export_reminders(c));
        out.reminders = std::move(reminders);
        CW_TRY_ASSIGN(
            bindings,
            select_all(c, "export ledger",
                       "SELECT sha256, credential_id, bound_at, os_user FROM "
                       "inventory_bindings ORDER BY sha256",
                       [](const Statement& row) {
                           return LedgerBinding{row.text(0), row.text(1), row.time(2), row.text(3)};
                       }));
        out.bindings = std::move(bindings);
        CW_TRY_ASSIGN(learnt,
                      select_all(c, "export ledger",
                                 fmt::format("SELECT {} FROM learnt_matches ORDER BY system, kind",
                                             kLearntMatchColumns),
                                 read_learnt_match));
        out.learnt_matches = std::move(learnt);
        CW_TRY_ASSIGN(audit,
                      select_all(c, "export ledger",
                                 fmt::format("SELECT {} FROM audit ORDER BY id", kAuditColumns),
                                 read_audit_entry));
        out.audit = std::move(audit);
        return out;
    });
}

Result<LedgerImportSummary> Store::import_ledger(const Ledger& ledger, const Actor& actor) {
    if (ledger.version != kLedgerVersion) {
        return make_error(Errc::unsupported_version,
                          fmt::format("ledger version {} is not version {} known to this "
                                      "credwatch; nothing was imported",
                                      ledger.version, kLedgerVersion));
    }
    auto& c = impl_->conn;
    auto summary = c.transaction("import ledger", Tx::write, [&]() -> Result<LedgerImportSummary> {
        return Importer(c, ledger, actor, impl_->clock.now()).run();
    });
    if (summary) {
        spdlog::info(
            "store: ledger of {} imported: {} credential(s) added, {} updated, {} audit "
            "row(s) added",
            ledger.machine, summary->credentials_added, summary->credentials_updated,
            summary->audit_added);
    }
    return summary;
}

}  // namespace credwatch
