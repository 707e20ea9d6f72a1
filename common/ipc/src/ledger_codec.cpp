#include "credwatch/ipc/ledger_codec.hpp"

#include "credwatch/base/civil_time.hpp"

#include <fmt/format.h>

#include <limits>
#include <set>

namespace credwatch {

namespace json = boost::json;

namespace {

json::value optional_time(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return json::value(format_utc(*t));
}

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
    const Reminder& r = lr.reminder;
    return {{"id", r.id},
            {"credential", r.credential_id},
            {"generation", r.generation},
            {"key", r.key},
            {"state", to_string(r.state)},
            {"days_left", optional_number(r.days_left)},
            {"deadline", optional_time(r.deadline)},
            {"issued", r.issued},
            {"limit", r.limit},
            {"raised_at", format_utc(r.raised_at)},
            {"acknowledged_at", optional_time(r.acknowledged_at)},
            {"snoozed_until", optional_time(r.snoozed_until)},
            {"superseded", lr.superseded}};
}

json::object audit_to_json(const AuditEntry& e) {
    return {{"id", e.id},
            {"at", format_utc(e.at)},
            {"os_user", e.os_user},
            {"via", e.via},
            {"action", e.action},
            {"target", e.target},
            {"old_value", e.old_value},
            {"new_value", e.new_value}};
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
        std::int64_t n = 0;
        if (v->is_int64()) {
            n = v->as_int64();
        } else if (v->is_uint64() &&
                   v->as_uint64() <=
                       static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            n = static_cast<std::int64_t>(v->as_uint64());
        } else {
            return bad(key, "must be a whole number");
        }
        if (n < min || n > max)
            return bad(key, fmt::format("{} is out of range ({} to {})", n, min, max));
        return std::optional<std::int64_t>{n};
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
                            std::string_view source, Reader&& read) {
    std::vector<T> out;
    const auto* v = doc.if_contains(key);
    if (!v || v->is_null()) return out;  // an empty section may be left out
    if (!v->is_array()) return top.bad(key, "must be an array");
    const auto& items = v->as_array();
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string path = fmt::format("{}[{}]", key, i);
        if (!items[i].is_object())
            return make_error(
                Errc::parse_error,
                fmt::format("{}: field {}: must be an object; nothing was imported", source, path));
        Fields f(items[i].as_object(), path + ".", source);
        CW_TRY_ASSIGN(row, read(f));
        out.push_back(std::move(row));
    }
    return out;
}

Result<LedgerCredential> read_credential(const Fields& f) {
    LedgerCredential lc;
    Credential& c = lc.credential;
    CW_TRY_ASSIGN(id, f.identifier("id"));
    c.id = std::move(id);
    CW_TRY_ASSIGN(system, f.identifier("system"));
    c.system = std::move(system);
    CW_TRY_ASSIGN(kind, f.identifier("kind"));
    c.kind = std::move(kind);
    CW_TRY_ASSIGN(label, f.text("label"));
    c.label = std::move(label);
    CW_TRY_ASSIGN(owner, f.identifier("owner"));
    c.owner = std::move(owner);
    CW_TRY_ASSIGN(source, f.text("source"));
    c.source = source.empty() ? std::string("user") : std::move(source);
    CW_TRY_ASSIGN(generation, f.integer("generation", 1, std::numeric_limits<std::int64_t>::max()));
    c.generation = generation;
    CW_TRY_ASSIGN(renewed, f.optional_date("renewed_on"));
    c.renewed_on = renewed;
    CW_TRY_ASSIGN(issued, f.optional_int("issued", 0));
    c.issued = issued.value_or(0);
    CW_TRY_ASSIGN(limit, f.optional_int("limit", 0));
    c.limit = limit;
    CW_TRY_ASSIGN(lifetime, f.optional_int("lifetime_days", 1));
    c.lifetime_days = lifetime;
    CW_TRY_ASSIGN(document, f.text("document_path"));
    c.document_path = std::move(document);
    CW_TRY_ASSIGN(not_after, f.optional_instant("not_after"));
    c.not_after = not_after;
    CW_TRY_ASSIGN(sha, f.text("certificate_sha256"));
    c.certificate_sha256 = std::move(sha);
    CW_TRY_ASSIGN(location, f.text("certificate_location"));
    c.certificate_location = std::move(location);
    CW_TRY_ASSIGN(ref_sha, f.text("reference_sha256"));
    lc.reference_sha256 = std::move(ref_sha);
    CW_TRY_ASSIGN(ref_not_after, f.optional_instant("reference_not_after"));
    lc.reference_not_after = ref_not_after;
    CW_TRY_ASSIGN(created, f.instant("created_at"));
    lc.created_at = created;
    return lc;
}

Result<LedgerTombstone> read_tombstone(const Fields& f) {
    LedgerTombstone t;
    CW_TRY_ASSIGN(id, f.identifier("id"));
    t.id = std::move(id);
    CW_TRY_ASSIGN(removed, f.instant("removed_at"));
    t.removed_at = removed;
    CW_TRY_ASSIGN(user, f.text("os_user"));
    t.os_user = std::move(user);
    return t;
}

Result<LedgerIssuance> read_issuance(const Fields& f) {
    LedgerIssuance i;
    CW_TRY_ASSIGN(credential, f.identifier("credential"));
    i.credential_id = std::move(credential);
    CW_TRY_ASSIGN(at, f.instant("at"));
    i.at = at;
    CW_TRY_ASSIGN(user, f.text("os_user"));
    i.os_user = std::move(user);
    CW_TRY_ASSIGN(note, f.text("note"));
    i.note = std::move(note);
    return i;
}

Result<LedgerReminder> read_reminder(const Fields& f) {
    LedgerReminder lr;
    Reminder& r = lr.reminder;
    CW_TRY_ASSIGN(id, f.optional_integer("id", 0, std::numeric_limits<std::int64_t>::max()));
    r.id = id.value_or(0);
    CW_TRY_ASSIGN(credential, f.identifier("credential"));
    r.credential_id = std::move(credential);
    CW_TRY_ASSIGN(generation, f.integer("generation", 1, std::numeric_limits<std::int64_t>::max()));
    r.generation = generation;
    CW_TRY_ASSIGN(key, f.identifier("key"));
    r.key = std::move(key);
    CW_TRY_ASSIGN(state_name, f.text("state", true));
    auto state = state_from_string(state_name);
    if (!state) return f.bad("state", fmt::format("unknown state \"{}\"", state_name));
    r.state = *state;
    CW_TRY_ASSIGN(days_left, f.optional_int("days_left", std::numeric_limits<int>::min()));
    r.days_left = days_left;
    CW_TRY_ASSIGN(deadline, f.optional_instant("deadline"));
    r.deadline = deadline;
    CW_TRY_ASSIGN(issued, f.optional_int("issued", 0));
    r.issued = issued.value_or(0);
    CW_TRY_ASSIGN(limit, f.optional_int("limit", 0));
    r.limit = limit.value_or(0);
    CW_TRY_ASSIGN(raised, f.instant("raised_at"));
    r.raised_at = raised;
    CW_TRY_ASSIGN(acknowledged, f.optional_instant("acknowledged_at"));
    r.acknowledged_at = acknowledged;
    CW_TRY_ASSIGN(snoozed, f.optional_instant("snoozed_until"));
    r.snoozed_until = snoozed;
    CW_TRY_ASSIGN(superseded, f.boolean("superseded"));
    lr.superseded = superseded;
    return lr;
}

Result<LedgerBinding> read_binding(const Fields& f) {
    LedgerBinding b;
    CW_TRY_ASSIGN(sha, f.identifier("sha256"));
    b.sha256 = std::move(sha);
    CW_TRY_ASSIGN(credential, f.identifier("credential"));
    b.credential_id = std::move(credential);
    CW_TRY_ASSIGN(bound, f.instant("bound_at"));
    b.bound_at = bound;
    CW_TRY_ASSIGN(user, f.text("os_user"));
    b.os_user = std::move(user);
    return b;
}

Result<AuditEntry> read_audit(const Fields& f) {
    AuditEntry e;
    CW_TRY_ASSIGN(id, f.optional_integer("id", 0, std::numeric_limits<std::int64_t>::max()));
    e.id = id.value_or(0);
    CW_TRY_ASSIGN(at, f.instant("at"));
    e.at = at;
    CW_TRY_ASSIGN(user, f.text("os_user"));
    e.os_user = std::move(user);
    CW_TRY_ASSIGN(via, f.text("via"));
    e.via = std::move(via);
    CW_TRY_ASSIGN(action, f.identifier("action"));
    e.action = std::move(action);
    CW_TRY_ASSIGN(target, f.text("target"));
    e.target = std::move(target);
    CW_TRY_ASSIGN(old_value, f.text("old_value"));
    e.old_value = std::move(old_value);
    CW_TRY_ASSIGN(new_value, f.text("new_value"));
    e.new_value = std::move(new_value);
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
        issuances.push_back(json::object{{"credential", i.credential_id},
                                         {"at", format_utc(i.at)},
                                         {"os_user", i.os_user},
                                         {"note", i.note}});
    for (const auto& r : ledger.reminders) reminders.push_back(reminder_to_json(r));
    for (const auto& b : ledger.bindings)
        bindings.push_back(json::object{{"sha256", b.sha256},
                                        {"credential", b.credential_id},
                                        {"bound_at", format_utc(b.bound_at)},
                                        {"os_user", b.os_user}});
    for (const auto& e : ledger.audit) audit.push_back(audit_to_json(e));
    out["credentials"] = std::move(credentials);
    out["tombstones"] = std::move(tombstones);
    out["issuances"] = std::move(issuances);
    out["reminders"] = std::move(reminders);
    out["bindings"] = std::move(bindings);
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
    CW_TRY_ASSIGN(exported_at, top.instant("exported_at"));
    ledger.exported_at = exported_at;
    CW_TRY_ASSIGN(machine, top.identifier("machine"));
    ledger.machine = std::move(machine);

    CW_TRY_ASSIGN(credentials,
                  rows<LedgerCredential>(top, doc, "credentials", source, read_credential));
    std::set<std::string> ids;
    for (std::size_t i = 0; i < credentials.size(); ++i)
        if (!ids.insert(credentials[i].credential.id).second)
            return make_error(Errc::parse_error,
                              fmt::format("{}: field credentials[{}].id: \"{}\" appears twice; "
                                          "nothing was imported",
                                          source, i, credentials[i].credential.id));
    ledger.credentials = std::move(credentials);
    CW_TRY_ASSIGN(tombstones,
                  rows<LedgerTombstone>(top, doc, "tombstones", source, read_tombstone));
    ledger.tombstones = std::move(tombstones);
    CW_TRY_ASSIGN(issuances, rows<LedgerIssuance>(top, doc, "issuances", source, read_issuance));
    ledger.issuances = std::move(issuances);
    CW_TRY_ASSIGN(reminders, rows<LedgerReminder>(top, doc, "reminders", source, read_reminder));
    ledger.reminders = std::move(reminders);
    CW_TRY_ASSIGN(bindings, rows<LedgerBinding>(top, doc, "bindings", source, read_binding));
    ledger.bindings = std::move(bindings);
    CW_TRY_ASSIGN(audit, rows<AuditEntry>(top, doc, "audit", source, read_audit));
    ledger.audit = std::move(audit);
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
