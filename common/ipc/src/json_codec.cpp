#include "credwatch/ipc/json_codec.hpp"

#include "credwatch/ipc/protocol.hpp"

#include <fmt/format.h>

#include <limits>

namespace credwatch {

namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& items) {
    json::array out;
    for (const auto& s : items) out.emplace_back(s);
    return out;
}

}  // namespace

json::value optional_time(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return json::value(format_utc(*t));
}

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
            {"key_usage", strings(i.key_usage)},
            {"extended_key_usage", strings(i.extended_key_usage)}};
}

json::object to_json(const ScanFailure& failure) {
    return {
        {"path", failure.location}, {"code", to_string(failure.code)}, {"error", failure.error}};
}

json::object to_json(const InventoryEntry& entry) {
    json::object o = to_json(entry.certificate);
    o["first_seen"] = format_utc(entry.first_seen);
    o["last_seen"] = format_utc(entry.last_seen);
    o["tracked_as"] =
        entry.bound_credential.empty() ? json::value(nullptr) : json::value(entry.bound_credential);
    o["replaced_by"] =
        entry.replaced_by.empty() ? json::value(nullptr) : json::value(entry.replaced_by);
    return o;
}

json::object to_json(const LearntMatch& m) {
    return {{"system", m.system},
            {"kind", m.kind},
            {"issuer", m.issuer},
            {"subject_contains",
             m.subject_contains.empty() ? json::value(nullptr) : json::value(m.subject_contains)},
            {"learnt_from", m.learnt_from},
            {"learnt_at", format_utc(m.learnt_at)},
            {"by", m.os_user}};
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
    return {{"id", a.id},
            {"at", format_utc(a.at)},
            {"os_user", a.os_user},
            {"via", a.via},
            {"action", a.action},
            {"target", a.target},
            {"old_value", a.old_value},
            {"new_value", a.new_value}};
}

json::object to_json(const Issuance& i) {
    return {{"id", i.id},
            {"credential", i.credential_id},
            {"at", format_utc(i.at)},
            {"how", to_string(i.how)},
            {"certificate_sha256", i.certificate_sha256},
            {"subject", i.subject},
            {"not_before", i.not_before ? json::value(format_utc(*i.not_before)) : nullptr},
            {"total", i.total ? json::value(*i.total) : nullptr},
            {"os_user", i.os_user},
            {"note", i.note},
            {"imported_from", i.imported_from},
            {"own", i.own()}};
}

json::object to_json(const Procedure& p) {
    return {
        {"id", p.id},        {"title_ja", p.title_ja},          {"title_en", p.title_en},
        {"url", p.url},      {"steps_ja", strings(p.steps_ja)}, {"steps_en", strings(p.steps_en)},
        {"phone", p.phone},  {"hours_ja", p.hours_ja},          {"hours_en", p.hours_en},
        {"manual", p.manual}};
}

json::object to_json(const StatusRow& r) {
    json::object o{
        {"id", r.id},
        {"system", r.system},
        {"kind", r.kind},
        {"label", r.label},
        {"owner", r.owner},
        {"rule", r.rule ? json::value(to_string(*r.rule)) : json::value(nullptr)},
        {"system_name_ja", r.system_name_ja},
        {"system_name_en", r.system_name_en},
        {"kind_name_ja", r.kind_name_ja},
        {"kind_name_en", r.kind_name_en},
        {"deadline", optional_time(r.deadline)},
        {"deadline_date",
         r.deadline_date ? json::value(format_date(*r.deadline_date)) : json::value(nullptr)},
        {"days_left", r.days_left ? json::value(*r.days_left) : json::value(nullptr)},
        {"state", to_string(r.state)},
        {"reason", r.reason},
        {"generation", r.generation},
        {"renewed_on",
         r.renewed_on ? json::value(format_date(*r.renewed_on)) : json::value(nullptr)},
        {"issued", r.issued ? json::value(*r.issued) : json::value(nullptr)},
        {"limit", r.limit ? json::value(*r.limit) : json::value(nullptr)},
        {"certificate", json::value(nullptr)},
        {"procedures", strings(r.procedures)},
    };
    if (r.has_certificate()) {
        o["certificate"] =
            json::object{{"sha256", r.certificate_sha256}, {"location", r.certificate_location}};
    }
    if (!r.document_path.empty()) o["document_path"] = r.document_path;
    o["estimated"] = r.estimated;
    return o;
}

namespace {

// Readers of optional fields: absent or null leave `out` alone; another type is an error.
Error wrong_type(std::string_view key, std::string_view expected) {
    return Error{Errc::parse_error, fmt::format("field \"{}\" must be {}", key, expected)};
}

const json::value* present(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
}

Status read_text(const json::object& o, std::string_view key, std::string& out) {
    const auto* v = present(o, key);
    if (!v) return {};
    if (!v->is_string()) return wrong_type(key, "a string");
    out = std::string(v->as_string());
    return {};
}

template <typename Int>
Status read_int(const json::object& o, std::string_view key, std::optional<Int>& out) {
    const auto* v = present(o, key);
    if (!v) return {};
    auto n = int_field(o, key);
    if (!n || *n < std::numeric_limits<Int>::min() || *n > std::numeric_limits<Int>::max())
        return wrong_type(key, "an integer");
    out = static_cast<Int>(*n);
    return {};
}

Status read_date(const json::object& o, std::string_view key, std::optional<Date>& out) {
    const auto* v = present(o, key);
    if (!v) return {};
    if (!v->is_string()) return wrong_type(key, "a date (YYYY-MM-DD)");
    if (v->as_string().empty()) return {};  // written by hand for "none"
    auto d = parse_date(v->as_string());
    if (!d) return wrong_type(key, "a date (YYYY-MM-DD)");
    out = *d;
    return {};
}

Status read_time(const json::object& o, std::string_view key, std::optional<TimePoint>& out) {
    const auto* v = present(o, key);
    if (!v) return {};
    if (!v->is_string()) return wrong_type(key, "an ISO 8601 UTC time");
    if (v->as_string().empty()) return {};
    auto t = parse_utc(v->as_string());
    if (!t) return wrong_type(key, "an ISO 8601 UTC time");
    out = *t;
    return {};
}

}  // namespace

Result<StatusRow> status_row_from_json(const json::value& value) {
    if (!value.is_object()) return make_error(Errc::parse_error, "a status row must be an object");
    const json::object& o = value.as_object();
    StatusRow r;
    if (auto st = read_text(o, "id", r.id); !st) return st.error();
    if (r.id.empty()) return make_error(Errc::parse_error, "a status row has no \"id\"");
    struct Text {
        std::string_view key;
        std::string* out;
    };
    for (Text t : {Text{"system", &r.system}, Text{"kind", &r.kind}, Text{"label", &r.label},
                   Text{"owner", &r.owner}, Text{"system_name_ja", &r.system_name_ja},
                   Text{"system_name_en", &r.system_name_en}, Text{"kind_name_ja", &r.kind_name_ja},
                   Text{"kind_name_en", &r.kind_name_en}, Text{"reason", &r.reason},
                   Text{"document_path", &r.document_path}})
        if (auto st = read_text(o, t.key, *t.out); !st) return st.error();
    std::string rule, state;
    if (auto st = read_text(o, "rule", rule); !st) return st.error();
    if (!rule.empty()) r.rule = rule_from_string(rule);
    if (auto st = read_text(o, "state", state); !st) return st.error();
    r.state = state_from_string(state).value_or(State::unknown);
    if (auto st = read_time(o, "deadline", r.deadline); !st) return st.error();
    if (auto st = read_date(o, "deadline_date", r.deadline_date); !st) return st.error();
    if (auto st = read_date(o, "renewed_on", r.renewed_on); !st) return st.error();
    if (auto st = read_int(o, "days_left", r.days_left); !st) return st.error();
    if (auto st = read_int(o, "issued", r.issued); !st) return st.error();
    if (auto st = read_int(o, "limit", r.limit); !st) return st.error();
    if (const auto* estimated = o.if_contains("estimated"); estimated && estimated->is_bool())
        r.estimated = estimated->as_bool();
    std::optional<std::int64_t> generation;
    if (auto st = read_int(o, "generation", generation); !st) return st.error();
    r.generation = generation.value_or(1);
    if (const auto* cert = present(o, "certificate")) {
        if (!cert->is_object()) return wrong_type("certificate", "an object");
        r.certificate_sha256 = string_field(cert->as_object(), "sha256");
        r.certificate_location = string_field(cert->as_object(), "location");
    }
    r.procedures = string_array_field(o, "procedures");
    return r;
}

Result<Procedure> procedure_from_json(const json::value& value) {
    if (!value.is_object())
        return make_error(Errc::parse_error, "a procedure must be a JSON object");
    const json::object& o = value.as_object();
    Procedure p;
    p.id = string_field(o, "id");
    if (p.id.empty()) return make_error(Errc::parse_error, "a procedure has no id");
    p.title_ja = string_field(o, "title_ja");
    p.title_en = string_field(o, "title_en");
    p.url = string_field(o, "url");
    p.steps_ja = string_array_field(o, "steps_ja");
    p.steps_en = string_array_field(o, "steps_en");
    p.phone = string_field(o, "phone");
    p.hours_ja = string_field(o, "hours_ja");
    p.hours_en = string_field(o, "hours_en");
    p.manual = string_field(o, "manual");
    return p;
}

namespace {

Result<std::string> field(const json::object& o, std::string_view key) {
    return protocol::required_string(o, key);
}

Result<TimePoint> time_field(const json::object& o, std::string_view key) {
    auto text = field(o, key);
    if (!text) return text.error();
    auto t = parse_utc(*text);
    if (!t)
        return make_error(Errc::invalid_argument,
                          fmt::format("field \"{}\": {}", key, t.error().message));
    return *t;
}

}  // namespace

Result<FoundCertificate> found_certificate_from_json(const json::value& value) {
    if (!value.is_object())
        return make_error(Errc::invalid_argument, "a certificate must be an object");
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
    c.info.extended_key_usage = string_array_field(o, "extended_key_usage");
    return c;
}

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// RFC 4648 base64 with padding, nothing else (no line breaks, no URL alphabet).
std::optional<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const std::size_t padding =
            !last ? 0 : (text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0);
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const int v = j >= 4 - padding ? 0 : base64_value(text[i + j]);
            if (v < 0) return std::nullopt;
            group = (group << 6U) | static_cast<std::uint32_t>(v);
        }
        out.push_back(static_cast<char>((group >> 16U) & 0xFFU));
        if (padding < 2) out.push_back(static_cast<char>((group >> 8U) & 0xFFU));
        if (padding < 1) out.push_back(static_cast<char>(group & 0xFFU));
    }
    return out;
}

}  // namespace

Result<ReportedCertificate> reported_certificate_from_json(const json::value& value,
                                                           std::size_t max_der_bytes) {
    if (!value.is_object())
        return make_error(Errc::invalid_argument, "a certificate must be an object");
    const json::object& o = value.as_object();
    const auto* der = o.if_contains("der");
    if (!der)
        return make_error(Errc::invalid_argument,
                          "field \"der\" is missing: a report carries each certificate's DER "
                          "(base64); asserted subject, issuer, dates and thumbprints are not "
                          "accepted");
    ReportedCertificate c;
    c.location = string_field(o, "location");
    c.source = string_field(o, "source") == "store" ? "store" : "file";
    if (!der->is_string())
        return make_error(Errc::parse_error, "field \"der\" must be a base64 string");
    const std::string_view text = der->as_string();
    if (text.size() / 4 * 3 > max_der_bytes)
        return make_error(Errc::parse_error,
                          fmt::format("field \"der\": {} base64 characters, more than a "
                                      "certificate of at most {} bytes",
                                      text.size(), max_der_bytes));
    auto bytes = decode_base64(text);
    if (!bytes) return make_error(Errc::parse_error, "field \"der\" is not base64 (RFC 4648)");
    c.der = std::move(*bytes);
    return c;
}

Result<ScanFailure> scan_failure_from_json(const json::value& value) {
    if (!value.is_object())
        return make_error(Errc::invalid_argument, "a failure must be an object");
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

Result<InventoryEntry> inventory_entry_from_json(const json::value& value) {
    auto cert = found_certificate_from_json(value);
    if (!cert) return cert.error();
    const json::object& o = value.as_object();
    InventoryEntry e;
    e.certificate = std::move(*cert);
    std::optional<TimePoint> first, last;
    if (auto st = read_time(o, "first_seen", first); !st) return st.error();
    if (auto st = read_time(o, "last_seen", last); !st) return st.error();
    e.first_seen = first.value_or(TimePoint{});
    e.last_seen = last.value_or(TimePoint{});
    if (auto st = read_text(o, "tracked_as", e.bound_credential); !st) return st.error();
    if (auto st = read_text(o, "replaced_by", e.replaced_by); !st) return st.error();
    return e;
}

std::vector<StatusRow> status_rows_from_json(const json::value& rows) {
    std::vector<StatusRow> out;
    if (rows.is_array())
        for (const auto& v : rows.as_array())
            if (auto row = status_row_from_json(v)) out.push_back(std::move(*row));
    return out;
}

std::vector<InventoryEntry> inventory_entries_from_json(const json::value& certificates) {
    std::vector<InventoryEntry> out;
    if (certificates.is_array())
        for (const auto& v : certificates.as_array())
            if (auto entry = inventory_entry_from_json(v)) out.push_back(std::move(*entry));
    return out;
}

json::object to_json(const CheckDefinition& c) {
    json::object params;
    for (const auto& [key, value] : c.params.text) params[key] = value;
    for (const auto& [key, value] : c.params.numbers) params[key] = value;
    for (const auto& [key, value] : c.params.lists) params[key] = strings(value);
    return json::object{{"system", c.system},        {"id", c.id},
                        {"kind", to_string(c.kind)}, {"severity", to_string(c.severity)},
                        {"enabled", c.enabled},      {"platforms", strings(c.platforms)},
                        {"title_ja", c.title_ja},    {"title_en", c.title_en},
                        {"fix_ja", c.fix_ja},        {"fix_en", c.fix_en},
                        {"manual", c.manual},        {"params", std::move(params)}};
}

Result<CheckDefinition> check_definition_from_json(const json::value& value) {
    if (!value.is_object()) return make_error(Errc::invalid_argument, "a check: not an object");
    const json::object& o = value.as_object();
    CheckDefinition c;
    CW_TRY_ASSIGN(system, field(o, "system"));
    CW_TRY_ASSIGN(id, field(o, "id"));
    CW_TRY_ASSIGN(kind_text, field(o, "kind"));
    c.system = std::move(system);
    c.id = std::move(id);
    const auto kind = parse_check_kind(kind_text);
    if (!kind)
        return make_error(Errc::invalid_argument, fmt::format("check {}/{}: unknown kind \"{}\"",
                                                              c.system, c.id, kind_text));
    c.kind = *kind;
    c.severity =
        parse_check_severity(string_field(o, "severity")).value_or(CheckSeverity::required);
    if (const auto* e = o.if_contains("enabled"); e && e->is_bool()) c.enabled = e->as_bool();
    c.platforms = string_array_field(o, "platforms");
    c.title_ja = string_field(o, "title_ja");
    c.title_en = string_field(o, "title_en");
    c.fix_ja = string_field(o, "fix_ja");
    c.fix_en = string_field(o, "fix_en");
    c.manual = string_field(o, "manual");
    if (const auto* p = o.if_contains("params"); p && p->is_object())
        for (const auto& [key, v] : p->as_object()) {
            const std::string k(key);
            const auto bad = [&] {
                return make_error(Errc::invalid_argument,
                                  fmt::format("check {}/{}: parameter \"{}\" is not a string, an "
                                              "integer or an array of strings",
                                              c.system, c.id, k));
            };
            if (v.is_string()) {
                c.params.text.emplace(k, std::string(v.as_string()));
            } else if (auto number = int_field(p->as_object(), key); number) {
                c.params.numbers.emplace(k, *number);
            } else if (v.is_array()) {
                std::vector<std::string> items;
                for (const auto& item : v.as_array()) {
                    if (!item.is_string()) return bad();
                    items.emplace_back(item.as_string());
                }
                c.params.lists.emplace(k, std::move(items));
            } else {
                return bad();
            }
        }
    return c;
}

json::object to_json(const SessionCheckResult& r) {
    return json::object{{"system", r.system},
                        {"id", r.id},
                        {"state", to_string(r.result.state)},
                        {"evidence_ja", r.result.evidence_ja},
                        {"evidence_en", r.result.evidence_en}};
}

Result<SessionCheckResult> session_check_result_from_json(const json::value& value) {
    if (!value.is_object()) return make_error(Errc::invalid_argument, "not an object");
    const json::object& o = value.as_object();
    SessionCheckResult r;
    CW_TRY_ASSIGN(system, field(o, "system"));
    CW_TRY_ASSIGN(id, field(o, "id"));
    CW_TRY_ASSIGN(state_text, field(o, "state"));
    r.system = std::move(system);
    r.id = std::move(id);
    const auto state = parse_check_state(state_text);
    if (!state)
        return make_error(Errc::invalid_argument,
                          fmt::format("field \"state\": \"{}\" is not one of ok, warning, failed, "
                                      "not_applicable, cannot_check",
                                      state_text));
    r.result.state = *state;
    for (const auto* key : {"evidence_ja", "evidence_en"})
        if (const auto* v = o.if_contains(key); v && !v->is_string())
            return make_error(Errc::invalid_argument,
                              fmt::format("field \"{}\" must be a string", key));
    r.result.evidence_ja = string_field(o, "evidence_ja");
    r.result.evidence_en = string_field(o, "evidence_en");
    return r;
}

}  // namespace credwatch
