#include "credwatch/ipc/json_codec.hpp"

#include "credwatch/ipc/protocol.hpp"

#include <fmt/format.h>

namespace credwatch {

namespace json = boost::json;

namespace {

json::value optional_time(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return json::value(format_utc(*t));
}

json::array strings(const std::vector<std::string>& items) {
    json::array out;
    for (const auto& s : items) out.emplace_back(s);
    return out;
}

}  // namespace

std::string string_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> int_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_int64()) return v->as_int64();
    if (v && v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v->as_uint64());
    return std::nullopt;
}

std::vector<std::string> string_array_field(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    if (const auto* v = o.if_contains(key); v && v->is_array())
        for (const auto& e : v->as_array())
            if (e.is_string()) out.emplace_back(e.as_string());
    return out;
}

json::object to_json(const FoundCertificate& cert) {
    const CertificateInfo& i = cert.info;
    return {{"path", cert.location},
            {"source", cert.source},
            {"owner", cert.owner},
            {"subject", i.subject},
            {"issuer", i.issuer},
            {"serial", i.serial},
            {"not_before", format_utc(i.not_before)},
            {"not_after", format_utc(i.not_after)},
            {"sha1", i.sha1},
            {"sha256", i.sha256},
            {"is_ca", i.is_ca},
            {"key_usage", strings(i.key_usage)}};
}

json::object to_json(const ScanFailure& failure) {
    return {{"path", failure.location}, {"code", to_string(failure.code)}, {"error", failure.error}};
}

json::object to_json(const InventoryEntry& entry) {
    json::object o = to_json(entry.certificate);
    o["first_seen"] = format_utc(entry.first_seen);
    o["last_seen"] = format_utc(entry.last_seen);
    o["tracked_as"] = entry.bound_credential.empty() ? json::value(nullptr)
                                                     : json::value(entry.bound_credential);
    return o;
}

json::object to_json(const InventoryFailure& failure) {
    json::object o = to_json(failure.failure);
    o["seen"] = format_utc(failure.seen);
    return o;
}

json::object to_json(const Reminder& r) {
    return {{"id", r.id},
            {"credential", r.credential_id},
            {"generation", r.generation},
            {"key", r.key},
            {"state", to_string(r.state)},
            {"days_left", r.days_left ? json::value(*r.days_left) : json::value(nullptr)},
            {"deadline", optional_time(r.deadline)},
            {"issued", r.issued},
            {"limit", r.limit},
            {"raised_at", format_utc(r.raised_at)},
            {"acknowledged_at", optional_time(r.acknowledged_at)},
            {"snoozed_until", optional_time(r.snoozed_until)}};
}

json::object to_json(const AuditEntry& a) {
    return {{"id", a.id},          {"at", format_utc(a.at)},   {"os_user", a.os_user},
            {"via", a.via},        {"action", a.action},       {"target", a.target},
            {"old_value", a.old_value}, {"new_value", a.new_value}};
}

json::object to_json(const Procedure& p) {
    return {{"id", p.id},
            {"title_ja", p.title_ja},
            {"title_en", p.title_en},
            {"url", p.url},
            {"steps_ja", strings(p.steps_ja)},
            {"steps_en", strings(p.steps_en)},
            {"phone", p.phone},
            {"hours_ja", p.hours_ja},
            {"hours_en", p.hours_en},
            {"manual", p.manual}};
}

json::object status_row(const Credential& c, const System* system, const CredentialKind* kind,
                        const Evaluation& e) {
    json::object o{
        {"id", c.id},
        {"system", c.system},
        {"kind", c.kind},
        {"label", c.label},
        {"owner", c.owner},
        {"rule", kind ? json::value(to_string(kind->rule)) : json::value(nullptr)},
        {"system_name_ja", system ? system->name_ja : ""},
        {"system_name_en", system ? system->name_en : ""},
        {"kind_name_ja", kind ? kind->name_ja : ""},
        {"kind_name_en", kind ? kind->name_en : ""},
        {"deadline", optional_time(e.deadline)},
        {"deadline_date", e.deadline_date ? json::value(format_date(*e.deadline_date))
                                          : json::value(nullptr)},
        {"days_left", e.days_left ? json::value(*e.days_left) : json::value(nullptr)},
        {"state", to_string(e.state)},
        {"reason", e.reason},
        {"generation", c.generation},
        {"renewed_on", c.renewed_on ? json::value(format_date(*c.renewed_on)) : json::value(nullptr)},
        {"issued", json::value(nullptr)},
        {"limit", json::value(nullptr)},
        {"certificate", json::value(nullptr)},
        {"procedures", kind ? strings(kind->procedures) : json::array{}},
    };
    if (kind && kind->rule == Rule::issuance_quota) {
        o["issued"] = e.issued;
        o["limit"] = e.limit;
    }
    if (!c.certificate_sha256.empty()) {
        o["certificate"] = json::object{{"sha256", c.certificate_sha256},
                                        {"location", c.certificate_location}};
    }
    if (!c.document_path.empty()) o["document_path"] = c.document_path;
    return o;
}

namespace {

Result<std::string> field(const json::object& o, std::string_view key) {
    return protocol::required_string(o, key);
}

Result<TimePoint> time_field(const json::object& o, std::string_view key) {
    auto text = field(o, key);
    if (!text) return text.error();
    auto t = parse_utc(*text);
    if (!t) return make_error(Errc::invalid_argument,
                              fmt::format("field \"{}\": {}", key, t.error().message));
    return *t;
}

}  // namespace

Result<FoundCertificate> found_certificate_from_json(const json::value& value) {
    if (!value.is_object()) return make_error(Errc::invalid_argument, "a certificate must be an object");
    const json::object& o = value.as_object();
    FoundCertificate c;
    struct Text {
        std::string_view key;
        std::string* out;
    };
    for (Text t : {Text{"path", &c.location}, Text{"source", &c.source}, Text{"owner", &c.owner},
                   Text{"subject", &c.info.subject}, Text{"issuer", &c.info.issuer},
                   Text{"serial", &c.info.serial}, Text{"sha1", &c.info.sha1},
                   Text{"sha256", &c.info.sha256}}) {
        auto v = field(o, t.key);
        if (!v) return v.error();
        *t.out = std::move(*v);
    }
    auto nb = time_field(o, "not_before");
    if (!nb) return nb.error();
    auto na = time_field(o, "not_after");
    if (!na) return na.error();
    c.info.not_before = *nb;
    c.info.not_after = *na;
    if (c.info.sha256.size() != 64)
        return make_error(Errc::invalid_argument, "field \"sha256\" must be 64 hex digits");
    if (const auto* ca = o.if_contains("is_ca"); ca && ca->is_bool()) c.info.is_ca = ca->as_bool();
    c.info.key_usage = string_array_field(o, "key_usage");
    return c;
}

Result<ScanFailure> scan_failure_from_json(const json::value& value) {
    if (!value.is_object()) return make_error(Errc::invalid_argument, "a failure must be an object");
    const json::object& o = value.as_object();
    ScanFailure f;
    auto path = field(o, "path");
    if (!path) return path.error();
    auto error = field(o, "error");
    if (!error) return error.error();
    f.location = *path;
    f.error = *error;
    if (const auto* code = o.if_contains("code"); code && code->is_string())
        f.code = protocol::errc_from_string(code->as_string()).value_or(Errc::parse_error);
    return f;
}

}  // namespace credwatch
