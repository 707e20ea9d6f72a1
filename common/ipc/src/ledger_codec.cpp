#include "credwatch/ipc/ledger_codec.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/json_codec.hpp"

#include <fmt/format.h>

#include <limits>
#include <set>

namespace credwatch {

namespace json = boost::json;

namespace {

template <class T>
json::value optional_number(const std::optional<T>& n) {
    if (!n) return nullptr;
    return json::value(static_cast<std::int64_t>(*n));
}

json::object credential_to_json(const LedgerCredential& lc) {
    const Credential& c = lc.credential;
    return {{"id", c.id},
            {"system", c.system},
            {"kind", c.kind},
            {"label", c.label},
            {"owner", c.owner},
            {"source", c.source},
            {"generation", c.generation},
            {"renewed_on", c.renewed_on ? json::value(format_date(*c.renewed_on)) : nullptr},
            {"issued", c.issued},
            {"limit", optional_number(c.limit)},
            {"lifetime_days", optional_number(c.lifetime_days)},
            {"document_path", c.document_path},
            {"not_after", optional_time(c.not_after)},
            {"certificate_sha256", c.certificate_sha256},
            {"certificate_location", c.certificate_location},
            {"reference_sha256", lc.reference_sha256},
            {"reference_not_after", optional_time(lc.reference_not_after)},
            {"created_at", format_utc(lc.created_at)}};
}

json::object reminder_to_json(const LedgerReminder& lr) {
    json::object o = to_json(lr.reminder);
    o["superseded"] = lr.superseded;
    return o;
}

// One object of the document, read field by field; every error names the file and the field.
class Fields {
  public:
    Fields(const json::object& object, std::string path, std::string_view source)
        : o_(object), path_(std::move(path)), source_(source) {}

    Error bad(std::string_view key, std::string_view reason, Errc code = Errc::parse_error) const {
        return make_error(code, fmt::format("{}: field {}{}: {}; nothing was imported", source_,
                                            path_, key, reason));
    }

    // The object `object` at `path` of the same document.
    Fields nested(const json::object& object, std::string path) const {
        return Fields(object, std::move(path), source_);
    }

    const json::value* find(std::string_view key) const { return o_.if_contains(key); }

    Result<std::string> text(std::string_view key, bool required = false) const {
        const auto* v = find(key);
        if (!v || v->is_null()) {
            if (required) return bad(key, "missing");
            return std::string();
        }
        if (!v->is_string()) return bad(key, "must be a string");
        return std::string(v->as_string());
    }

    Result<std::string> identifier(std::string_view key) const {
        CW_TRY_ASSIGN(value, text(key, true));
        if (value.empty()) return bad(key, "must not be empty");
        return value;
    }

    Result<std::optional<std::int64_t>> optional_integer(std::string_view key, std::int64_t min,
                                                         std::int64_t max) const {
        const auto* v = find(key);
        if (!v || v->is_null()) return std::optional<std::int64_t>{};
        const auto n = int_field(o_, key);
        if (!n) return bad(key, "must be a whole number");
        if (*n < min || *n > max)
            return bad(key, fmt::format("{} is out of range ({} to {})", *n, min, max));
        return n;
    }

    Result<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const {
        CW_TRY_ASSIGN(n, optional_integer(key, min, max));
        if (!n) return bad(key, "missing");
        return *n;
    }

    Result<std::optional<int>> optional_int(std::string_view key, int min) const {
        CW_TRY_ASSIGN(n, optional_integer(key, min, std::numeric_limits<int>::max()));
        if (!n) return std::optional<int>{};
        return std::optional<int>{static_cast<int>(*n)};
    }

    Result<std::optional<TimePoint>> optional_instant(std::string_view key) const {
        const auto* v = find(key);
        if (!v || v->is_null()) return std::optional<TimePoint>{};
        if (!v->is_string()) return bad(key, "must be a UTC time (\"2026-04-01T00:00:00Z\")");
        auto t = parse_utc(v->as_string());
        if (!t)
            return bad(key, fmt::format("\"{}\" is not a UTC time (\"2026-04-01T00:00:00Z\")",
                                        std::string_view(v->as_string())));
        return std::optional<TimePoint>{*t};
    }

    Result<TimePoint> instant(std::string_view key) const {
        CW_TRY_ASSIGN(t, optional_instant(key));
        if (!t) return bad(key, "missing");
        return *t;
    }

    Result<std::optional<Date>> optional_date(std::string_view key) const {
        const auto* v = find(key);
        if (!v || v->is_null()) return std::optional<Date>{};
        if (!v->is_string()) return bad(key, "must be a date (YYYY-MM-DD)");
        auto d = parse_date(v->as_string());
        if (!d)
            return bad(key, fmt::format("\"{}\" is not a date (YYYY-MM-DD)",
                                        std::string_view(v->as_string())));
        return std::optional<Date>{*d};
    }

    Result<bool> boolean(std::string_view key) const {
        const auto* v = find(key);
        if (!v || v->is_null()) return false;
        if (!v->is_bool()) return bad(key, "must be true or false");
        return v->as_bool();
    }

  private:
    const json::object& o_;
    std::string path_;
    std::string_view source_;
};

// The objects of the array `key` of the document, each decoded by `read`.
template <class T, class Reader>
Result<std::vector<T>> rows(const Fields& top, const json::object& doc, std::string_view key,
                            Reader&& read) {
    std::vector<T> out;
    const auto* v = doc.if_contains(key);
    if (!v || v->is_null()) return out;  // an empty section may be left out
    if (!v->is_array()) return top.bad(key, "must be an array");
    const auto& items = v->as_array();
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string path = fmt::format("{}[{}]", key, i);
        if (!items[i].is_object()) return top.bad(path, "must be an object");
        CW_TRY_ASSIGN(row, read(top.nested(items[i].as_object(), path + ".")));
        out.push_back(std::move(row));
    }
    return out;
}

// Stores a field's value in `out`, or passes on its error: CW_TRY(take(c.id, f.identifier("id"))).
template <class T, class U>
Status take(T& out, Result<U> value) {
    if (!value) return value.error();
    out = std::move(*value);
    return {};
}

Result<LedgerCredential> read_credential(const Fields& f) {
    LedgerCredential lc;
    Credential& c = lc.credential;
    CW_TRY(take(c.id, f.identifier("id")));
    CW_TRY(take(c.system, f.identifier("system")));
    CW_TRY(take(c.kind, f.identifier("kind")));
    CW_TRY(take(c.label, f.text("label")));
    CW_TRY(take(c.owner, f.identifier("owner")));
    CW_TRY_ASSIGN(source, f.text("source"));
    c.source = source.empty() ? std::string("user") : std::move(source);
    CW_TRY(
        take(c.generation, f.integer("generation", 1, std::numeric_limits<std::int64_t>::max())));
    CW_TRY(take(c.renewed_on, f.optional_date("renewed_on")));
    CW_TRY_ASSIGN(issued, f.optional_int("issued", 0));
    c.issued = issued.value_or(0);
    CW_TRY(take(c.limit, f.optional_int("limit", 0)));
    CW_TRY(take(c.lifetime_days, f.optional_int("lifetime_days", 1)));
    CW_TRY(take(c.document_path, f.text("document_path")));
    CW_TRY(take(c.not_after, f.optional_instant("not_after")));
    CW_TRY(take(c.certificate_sha256, f.text("certificate_sha256")));
    CW_TRY(take(c.certificate_location, f.text("certificate_location")));
    CW_TRY(take(lc.reference_sha256, f.text("reference_sha256")));
    CW_TRY(take(lc.reference_not_after, f.optional_instant("reference_not_after")));
    CW_TRY(take(lc.created_at, f.instant("created_at")));
    return lc;
}

Result<LedgerTombstone> read_tombstone(const Fields& f) {
    LedgerTombstone t;
    CW_TRY(take(t.id, f.identifier("id")));
    CW_TRY(take(t.removed_at, f.instant("removed_at")));
    CW_TRY(take(t.os_user, f.text("os_user")));
    return t;
}

Result<LedgerIssuance> read_issuance(const Fields& f) {
    LedgerIssuance i;
    CW_TRY(take(i.credential_id, f.identifier("credential")));
    CW_TRY(take(i.at, f.instant("at")));
    CW_TRY(take(i.os_user, f.text("os_user")));
    CW_TRY(take(i.note, f.text("note")));
    // Version-1 files have none of these: a row recorded by a person on the exporting PC.
    CW_TRY_ASSIGN(how_name, f.text("how"));
    if (!how_name.empty()) {
        auto how = parse_issuance_how(how_name);
        if (!how)
            return f.bad("how",
                         fmt::format("unknown value \"{}\" (recorded, seen or stated)", how_name));
        i.how = *how;
    }
    CW_TRY(take(i.certificate_sha256, f.text("certificate_sha256")));
    CW_TRY(take(i.subject, f.text("subject")));
    CW_TRY(take(i.not_before, f.optional_instant("not_before")));
    CW_TRY(take(i.total, f.optional_int("total", 0)));
    CW_TRY(take(i.imported_from, f.text("imported_from")));
    return i;
}

Result<LedgerReminder> read_reminder(const Fields& f) {
    LedgerReminder lr;
    Reminder& r = lr.reminder;
    CW_TRY_ASSIGN(id, f.optional_integer("id", 0, std::numeric_limits<std::int64_t>::max()));
    r.id = id.value_or(0);
    CW_TRY(take(r.credential_id, f.identifier("credential")));
    CW_TRY(
        take(r.generation, f.integer("generation", 1, std::numeric_limits<std::int64_t>::max())));
    CW_TRY(take(r.key, f.identifier("key")));
    CW_TRY_ASSIGN(state_name, f.text("state", true));
    auto state = state_from_string(state_name);
    if (!state) return f.bad("state", fmt::format("unknown state \"{}\"", state_name));
    r.state = *state;
    CW_TRY(take(r.days_left, f.optional_int("days_left", std::numeric_limits<int>::min())));
    CW_TRY(take(r.deadline, f.optional_instant("deadline")));
    CW_TRY_ASSIGN(issued, f.optional_int("issued", 0));
    r.issued = issued.value_or(0);
    CW_TRY_ASSIGN(limit, f.optional_int("limit", 0));
    r.limit = limit.value_or(0);
    CW_TRY(take(r.raised_at, f.instant("raised_at")));
    CW_TRY(take(r.acknowledged_at, f.optional_instant("acknowledged_at")));
    CW_TRY(take(r.snoozed_until, f.optional_instant("snoozed_until")));
    CW_TRY(take(lr.superseded, f.boolean("superseded")));
    return lr;
}

Result<LedgerBinding> read_binding(const Fields& f) {
    LedgerBinding b;
    CW_TRY(take(b.sha256, f.identifier("sha256")));
    CW_TRY(take(b.credential_id, f.identifier("credential")));
    CW_TRY(take(b.bound_at, f.instant("bound_at")));
    CW_TRY(take(b.os_user, f.text("os_user")));
    return b;
}

Result<LearntMatch> read_learnt_match(const Fields& f) {
    LearntMatch m;
    CW_TRY(take(m.system, f.identifier("system")));
    CW_TRY(take(m.kind, f.identifier("kind")));
    CW_TRY(take(m.issuer, f.identifier("issuer")));
    CW_TRY(take(m.subject_contains, f.text("subject_contains")));
    CW_TRY(take(m.learnt_from, f.text("learnt_from")));
    CW_TRY(take(m.learnt_at, f.instant("learnt_at")));
    CW_TRY(take(m.os_user, f.text("os_user")));
    return m;
}

Result<AuditEntry> read_audit(const Fields& f) {
    AuditEntry e;
    CW_TRY_ASSIGN(id, f.optional_integer("id", 0, std::numeric_limits<std::int64_t>::max()));
    e.id = id.value_or(0);
    CW_TRY(take(e.at, f.instant("at")));
    CW_TRY(take(e.os_user, f.text("os_user")));
    CW_TRY(take(e.via, f.text("via")));
    CW_TRY(take(e.action, f.identifier("action")));
    CW_TRY(take(e.target, f.text("target")));
    CW_TRY(take(e.old_value, f.text("old_value")));
    CW_TRY(take(e.new_value, f.text("new_value")));
    return e;
}

}  // namespace

json::object ledger_to_json(const Ledger& ledger) {
    json::object out{{"format", kLedgerFormat},
                     {"version", ledger.version},
                     {"exported_at", format_utc(ledger.exported_at)},
                     {"machine", ledger.machine}};
    json::array credentials, tombstones, issuances, reminders, bindings, audit;
    for (const auto& c : ledger.credentials) credentials.push_back(credential_to_json(c));
    for (const auto& t : ledger.tombstones)
        tombstones.push_back(json::object{
            {"id", t.id}, {"removed_at", format_utc(t.removed_at)}, {"os_user", t.os_user}});
    for (const auto& i : ledger.issuances)
        issuances.push_back(json::object{
            {"credential", i.credential_id},
            {"at", format_utc(i.at)},
            {"os_user", i.os_user},
            {"note", i.note},
            {"how", to_string(i.how)},
            {"certificate_sha256", i.certificate_sha256},
            {"subject", i.subject},
            {"not_before", i.not_before ? json::value(format_utc(*i.not_before)) : nullptr},
            {"total", i.total ? json::value(*i.total) : nullptr},
            {"imported_from", i.imported_from}});
    for (const auto& r : ledger.reminders) reminders.push_back(reminder_to_json(r));
    for (const auto& b : ledger.bindings)
        bindings.push_back(json::object{{"sha256", b.sha256},
                                        {"credential", b.credential_id},
                                        {"bound_at", format_utc(b.bound_at)},
                                        {"os_user", b.os_user}});
    json::array learnt;
    for (const auto& m : ledger.learnt_matches)
        learnt.push_back(json::object{{"system", m.system},
                                      {"kind", m.kind},
                                      {"issuer", m.issuer},
                                      {"subject_contains", m.subject_contains},
                                      {"learnt_from", m.learnt_from},
                                      {"learnt_at", format_utc(m.learnt_at)},
                                      {"os_user", m.os_user}});
    for (const auto& e : ledger.audit) audit.push_back(to_json(e));
    out["credentials"] = std::move(credentials);
    out["tombstones"] = std::move(tombstones);
    out["issuances"] = std::move(issuances);
    out["reminders"] = std::move(reminders);
    out["bindings"] = std::move(bindings);
    out["learnt_matches"] = std::move(learnt);
    out["audit"] = std::move(audit);
    return out;
}

Result<Ledger> ledger_from_json(const json::value& value, std::string_view source) {
    if (!value.is_object())
        return make_error(Errc::parse_error,
                          fmt::format("{}: not a credwatch ledger: the document must be a JSON "
                                      "object; nothing was imported",
                                      source));
    const json::object& doc = value.as_object();
    const Fields top(doc, "", source);
    CW_TRY_ASSIGN(format, top.text("format", true));
    if (format != kLedgerFormat)
        return top.bad("format", fmt::format("\"{}\" is not \"{}\": not a credwatch ledger", format,
                                             kLedgerFormat));
    CW_TRY_ASSIGN(version, top.integer("version", 1, std::numeric_limits<std::int64_t>::max()));
    if (version != kLedgerVersion)
        return top.bad("version",
                       fmt::format("version {} is newer than version {} known to this credwatch "
                                   "(the file was written by a newer credwatch: install it here "
                                   "first)",
                                   version, kLedgerVersion),
                       Errc::unsupported_version);
    Ledger ledger;
    ledger.version = static_cast<int>(version);
    CW_TRY(take(ledger.exported_at, top.instant("exported_at")));
    CW_TRY(take(ledger.machine, top.identifier("machine")));

    CW_TRY(
        take(ledger.credentials, rows<LedgerCredential>(top, doc, "credentials", read_credential)));
    std::set<std::string> ids;
    for (std::size_t i = 0; i < ledger.credentials.size(); ++i)
        if (!ids.insert(ledger.credentials[i].credential.id).second)
            return top.bad(
                fmt::format("credentials[{}].id", i),
                fmt::format("\"{}\" appears twice", ledger.credentials[i].credential.id));
    CW_TRY(take(ledger.tombstones, rows<LedgerTombstone>(top, doc, "tombstones", read_tombstone)));
    CW_TRY(take(ledger.issuances, rows<LedgerIssuance>(top, doc, "issuances", read_issuance)));
    CW_TRY(take(ledger.reminders, rows<LedgerReminder>(top, doc, "reminders", read_reminder)));
    CW_TRY(take(ledger.bindings, rows<LedgerBinding>(top, doc, "bindings", read_binding)));
    CW_TRY(take(ledger.learnt_matches,
                rows<LearntMatch>(top, doc, "learnt_matches", read_learnt_match)));
    CW_TRY(take(ledger.audit, rows<AuditEntry>(top, doc, "audit", read_audit)));
    return ledger;
}

Result<Ledger> parse_ledger(std::string_view text, std::string_view source) {
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec)
        return make_error(Errc::parse_error,
                          fmt::format("{}: not a credwatch ledger: malformed JSON: {}; nothing "
                                      "was imported",
                                      source, ec.message()));
    return ledger_from_json(value, source);
}

std::string serialize_ledger(const Ledger& ledger) {
    // One row per line: readable, and a diff of two exports shows the rows that changed.
    const json::object doc = ledger_to_json(ledger);
    std::string out = "{\n";
    bool first = true;
    for (const auto& [key, value] : doc) {
        if (!first) out += ",\n";
        first = false;
        out += "  " + json::serialize(json::string(key)) + ": ";
        if (value.is_array() && !value.as_array().empty()) {
            out += "[\n";
            const auto& items = value.as_array();
            for (std::size_t i = 0; i < items.size(); ++i) {
                out += "    " + json::serialize(items[i]);
                out += i + 1 < items.size() ? ",\n" : "\n";
            }
            out += "  ]";
        } else {
            out += json::serialize(value);
        }
    }
    out += "\n}\n";
    return out;
}

}  // namespace credwatch
