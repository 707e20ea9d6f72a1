// Matches learnt from confirmed certificates, and the issuance dates an estimate starts from.

#include "store_internal.hpp"

#include <fmt/format.h>

namespace credwatch {

using namespace sql;
using namespace store_detail;

LearntMatch store_detail::read_learnt_match(const Statement& row) {
    LearntMatch m;
    m.system = row.text(0);
    m.kind = row.text(1);
    m.issuer = row.text(2);
    m.subject_contains = row.text(3);
    m.learnt_from = row.text(4);
    m.learnt_at = row.time(5);
    m.os_user = row.text(6);
    return m;
}

Result<std::vector<LearntMatch>> Store::learnt_matches() {
    auto& c = impl_->conn;
    return c.transaction(
        "list learnt matches", Tx::read, [&]() -> Result<std::vector<LearntMatch>> {
            CW_TRY_ASSIGN(
                s, c.prepare("list learnt matches", fmt::format("SELECT {} FROM learnt_matches "
                                                                "ORDER BY system, kind",
                                                                kLearntMatchColumns)));
            return collect_rows(s, read_learnt_match);
        });
}

Status Store::learn_match(const LearntMatch& match, const Actor& actor) {
    if (match.system.empty() || match.kind.empty() || match.issuer.empty())
        return make_error(Errc::invalid_argument,
                          "a learnt match needs a system, a kind and an issuer");
    auto& c = impl_->conn;
    return c.transaction("learn match", Tx::write, [&]() -> Status {
        const TimePoint now = impl_->clock.now();
        CW_TRY_ASSIGN(s, c.prepare("learn match",
                                   "INSERT INTO learnt_matches (system, kind, issuer, "
                                   "subject_contains, learnt_from, learnt_at, os_user) VALUES "
                                   "(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (system, kind) DO "
                                   "UPDATE SET issuer = excluded.issuer, subject_contains = "
                                   "excluded.subject_contains, learnt_from = excluded.learnt_from, "
                                   "learnt_at = excluded.learnt_at, os_user = excluded.os_user"));
        s.bind(1, match.system).bind(2, match.kind).bind(3, match.issuer);
        s.bind(4, match.subject_contains).bind(5, lower_ascii(match.learnt_from)).bind(6, now);
        s.bind(7, actor.os_user);
        CW_TRY(s.run());
        std::string learnt = "issuer=" + match.issuer;
        if (!match.subject_contains.empty()) learnt += "; subject~" + match.subject_contains;
        return write_audit(c, now, actor, "match-learnt", match.system + "/" + match.kind, "",
                           learnt);
    });
}

Result<bool> Store::reset_learnt_match(std::string_view system, std::string_view kind,
                                       const Actor& actor) {
    auto& c = impl_->conn;
    return c.transaction("reset learnt match", Tx::write, [&]() -> Result<bool> {
        std::string old;
        {
            CW_TRY_ASSIGN(s, c.prepare("reset learnt match",
                                       "SELECT issuer, subject_contains FROM learnt_matches "
                                       "WHERE system = ?1 AND kind = ?2"));
            s.bind(1, system).bind(2, kind);
            CW_TRY_ASSIGN(row, s.step());
            if (!row) return false;
            old = "issuer=" + s.text(0);
            if (!s.text(1).empty()) old += "; subject~" + s.text(1);
        }
        CW_TRY_ASSIGN(d, c.prepare("reset learnt match",
                                   "DELETE FROM learnt_matches WHERE system = ?1 AND kind = ?2"));
        d.bind(1, system).bind(2, kind);
        CW_TRY(d.run());
        CW_TRY(write_audit(c, impl_->clock.now(), actor, "match-reset",
                           fmt::format("{}/{}", system, kind), old, ""));
        return true;
    });
}

Result<std::map<std::string, TimePoint>> Store::latest_issuances() {
    auto& c = impl_->conn;
    return c.transaction(
        "read latest issuances", Tx::read, [&]() -> Result<std::map<std::string, TimePoint>> {
            CW_TRY_ASSIGN(s, c.prepare("read latest issuances",
                                       "SELECT credential_id, MAX(at) FROM issuances "
                                       "WHERE how != 'stated' GROUP BY credential_id"));
            CW_TRY_ASSIGN(rows, collect_rows(s, [](const Statement& row) {
                              return std::pair(row.text(0), row.time(1));
                          }));
            return std::map<std::string, TimePoint>(rows.begin(), rows.end());
        });
}

}  // namespace credwatch
