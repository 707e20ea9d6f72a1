// [[system.check]] of the catalog, [[check]] and [checks.<system>.<id>] of the site file
// (docs/doctor.md). parse_configuration runs this reader last, on the documents it parsed, so a
// check never changes how credentials are read; problems are reported the same way
// ("file:line: ...").

#include "credwatch/catalog/checks_config.hpp"

#include "credwatch/base/strings.hpp"
#include "credwatch/catalog/catalog.hpp"

#include "checks_reader.hpp"
#include "toml_reading.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace credwatch {

namespace {

using detail::Diagnostics;
using detail::Line;
using detail::line_of;
using detail::q;

enum class ParamType { text, number, list };

struct ParamSpec {
    std::string_view name;
    ParamType type;
    bool required;
    long long min = 0, max = 0;  // numbers only
};

struct KindSpec {
    CheckKind kind;
    std::span<const ParamSpec> params;
};

constexpr long long kMaxTimeoutMs = 30000;

constexpr std::array<ParamSpec, 4> kResolveParams{{
    {"host", ParamType::text, true},
    {"expected", ParamType::list, false},
    {"resolver", ParamType::text, false},
    {"timeout_ms", ParamType::number, false, 100, kMaxTimeoutMs},
}};
constexpr std::array<ParamSpec, 3> kTcpParams{{
    {"host", ParamType::text, true},
    {"port", ParamType::number, true, 1, 65535},
    {"timeout_ms", ParamType::number, false, 100, kMaxTimeoutMs},
}};
constexpr std::array<ParamSpec, 3> kUdpParams{{
    {"host", ParamType::text, true},
    {"port", ParamType::number, true, 1, 65535},
    {"purpose", ParamType::text, false},
}};
constexpr std::array<ParamSpec, 4> kClockParams{{
    {"server", ParamType::text, true},
    {"port", ParamType::number, false, 1, 65535},
    {"max_offset_seconds", ParamType::number, true, 1, 86400},
    {"timeout_ms", ParamType::number, false, 100, kMaxTimeoutMs},
}};
constexpr std::array<ParamSpec, 2> kDiskParams{{
    {"path", ParamType::text, false},
    {"min_mb", ParamType::number, true, 1, 100000000},
}};
constexpr std::array<ParamSpec, 1> kOsParams{{
    {"windows", ParamType::list, true},
}};
constexpr std::array<ParamSpec, 3> kProxyParams{{
    {"host", ParamType::text, true},
    {"expect", ParamType::text, true},  // "direct" or "proxy"
    {"proxy", ParamType::text, false},
}};
constexpr std::array<ParamSpec, 2> kSoftwareParams{{
    {"patterns", ParamType::list, true},
    {"services", ParamType::list, false},
}};
// session_user: the user whose session the check is meant for (the manual's OqsComApp).
constexpr std::array<ParamSpec, 3> kCredentialParams{{
    {"target", ParamType::text, true},
    {"user_prefixes", ParamType::list, false},
    {"session_user", ParamType::text, false},
}};
constexpr std::array<ParamSpec, 2> kTaskParams{{
    {"tasks", ParamType::list, true},
    {"run_as", ParamType::text, false},
}};
constexpr std::array<ParamSpec, 2> kAccountParams{{
    {"name", ParamType::text, true},
    {"group", ParamType::text, false},
}};
constexpr std::array<ParamSpec, 5> kCertificateParams{{
    {"store", ParamType::text, true},
    {"subject_contains", ParamType::text, false},
    {"issuer_contains", ParamType::text, false},
    {"exactly", ParamType::number, false, 1, 100},
    {"session_user", ParamType::text, false},
}};

constexpr std::array<KindSpec, 12> kKinds{{
    {CheckKind::resolve, kResolveParams},
    {CheckKind::tcp, kTcpParams},
    {CheckKind::udp, kUdpParams},
    {CheckKind::clock, kClockParams},
    {CheckKind::disk_free, kDiskParams},
    {CheckKind::os_version, kOsParams},
    {CheckKind::proxy, kProxyParams},
    {CheckKind::software_absent, kSoftwareParams},
    {CheckKind::credential_present, kCredentialParams},
    {CheckKind::scheduled_task, kTaskParams},
    {CheckKind::account, kAccountParams},
    {CheckKind::certificate_present, kCertificateParams},
}};

constexpr std::array<std::string_view, 11> kCheckKeys{
    "id",       "kind",   "severity", "enabled", "platforms", "title_ja",
    "title_en", "fix_ja", "fix_en",   "manual",  "system"};
// What a site may change of a check it did not define.
constexpr std::array<std::string_view, 2> kTuneKeys{"enabled", "severity"};

std::span<const ParamSpec> params_of(CheckKind kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k.params;
    return {};
}

bool is_check_id(std::string_view id) {
    if (id.empty()) return false;
    const auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!ok(id.front())) return false;
    return std::all_of(id.begin(), id.end(), [&](char c) { return ok(c) || c == '-'; });
}

class CheckReader {
  public:
    CheckReader(Diagnostics& problems, std::string_view source)
        : problems_(problems), source_(source) {}

    void fail(Line line, std::string_view context, const std::string& message) {
        problems_.add(source_, line, context, message);
    }

    std::optional<std::string> text(const toml::table& t, std::string_view key,
                                    std::string_view context, bool required) {
        const toml::node* n = t.get(key);
        if (!n) {
            if (required) fail(line_of(t), context, "missing required field " + q(key));
            return std::nullopt;
        }
        const auto* s = n->as_string();
        if (!s || s->get().empty()) {
            fail(line_of(*n), context, "field " + q(key) + " must be a non-empty string");
            return std::nullopt;
        }
        return s->get();
    }

    std::optional<std::vector<std::string>> list(const toml::node& n, std::string_view key,
                                                 std::string_view context) {
        const auto* a = n.as_array();
        if (!a) {
            fail(line_of(n), context, "field " + q(key) + " must be an array of strings");
            return std::nullopt;
        }
        std::vector<std::string> out;
        for (const auto& e : *a) {
            const auto* s = e.as_string();
            if (!s || s->get().empty()) {
                fail(line_of(e) ? line_of(e) : line_of(n), context,
                     "field " + q(key) + " must hold only non-empty strings");
                return std::nullopt;
            }
            out.push_back(s->get());
        }
        return out;
    }

    // A parameter of the check's kind into `params`; false when `key` is not one.
    bool parameter(CheckKind kind, std::string_view key, const toml::node& n,
                   std::string_view context, CheckParameters& params) {
        const auto specs = params_of(kind);
        const auto spec = std::find_if(specs.begin(), specs.end(),
                                       [&](const ParamSpec& p) { return p.name == key; });
        if (spec == specs.end()) return false;
        const std::string name(key);
        switch (spec->type) {
            case ParamType::text:
                // session_user = "": a tuning that opens a catalog check to every user's session.
                if (const auto* s = n.as_string();
                    s && (!s->get().empty() || key == "session_user"))
                    params.text[name] = s->get();
                else
                    fail(line_of(n), context, "field " + q(key) + " must be a non-empty string");
                break;
            case ParamType::number:
                if (const auto* i = n.as_integer();
                    i && i->get() >= spec->min && i->get() <= spec->max)
                    params.numbers[name] = i->get();
                else
                    fail(line_of(n), context,
                         "field " + q(key) + " must be an integer from " +
                             std::to_string(spec->min) + " to " + std::to_string(spec->max));
                break;
            case ParamType::list:
                if (auto v = list(n, key, context)) params.lists[name] = std::move(*v);
                break;
        }
        return true;
    }

    void unknown_field(CheckKind kind, std::string_view key, Line line, std::string_view context,
                       std::span<const std::string_view> common) {
        std::string expected;
        for (auto k : common) expected += (expected.empty() ? "" : ", ") + std::string(k);
        for (const auto& p : params_of(kind)) expected += ", " + std::string(p.name);
        fail(line, context,
             "unknown field " + q(key) + " for a check of kind " + q(to_string(kind)) +
                 " (expected one of: " + expected + ")");
    }

    void required_parameters(const CheckDefinition& c, Line line, std::string_view context) {
        for (const auto& p : params_of(c.kind)) {
            if (!p.required) continue;
            const std::string name(p.name);
            if (!c.params.text.contains(name) && !c.params.numbers.contains(name) &&
                !c.params.lists.contains(name))
                fail(line, context,
                     "missing required field " + q(p.name) + " for a check of kind " +
                         q(to_string(c.kind)));
        }
    }

    void enabled_and_severity(const toml::table& t, std::string_view context, CheckDefinition& c) {
        if (const toml::node* n = t.get("enabled")) {
            if (const auto* b = n->as_boolean())
                c.enabled = b->get();
            else
                fail(line_of(*n), context, "field \"enabled\" must be true or false");
        }
        if (auto s = text(t, "severity", context, false)) {
            if (auto v = parse_check_severity(*s))
                c.severity = *v;
            else
                fail(line_of(*t.get("severity")), context,
                     "field \"severity\": unknown severity " + q(*s) +
                         " (expected required or recommended)");
        }
    }

    // One full definition: [[system.check]] (system given) or a site's [[check]] (system="").
    std::optional<CheckDefinition> definition(const toml::table& t, std::string system) {
        std::string context = "a check";
        const auto id_text = text(t, "id", context, true);
        std::string id = id_text.value_or("");
        if (!id.empty() && !is_check_id(id)) {
            fail(line_of(*t.get("id")), context,
                 "field \"id\": " + q(id) + " must be lower-case letters, digits and '-'");
            id.clear();
        }
        if (!id.empty()) context = "check " + q(id);
        if (system.empty()) {
            auto s = text(t, "system", context, true);
            if (!s) return std::nullopt;
            system = *s;
        } else if (t.contains("system")) {
            fail(line_of(*t.get("system")), context,
                 "field \"system\" is only for a site's [[check]]: a [[system.check]] belongs to "
                 "its system");
        }
        const auto kind_text = text(t, "kind", context, true);
        std::optional<CheckKind> kind;
        if (kind_text) {
            kind = parse_check_kind(*kind_text);
            if (!kind) {
                std::string known;
                for (const auto& k : kKinds)
                    known += (known.empty() ? "" : ", ") + std::string(to_string(k.kind));
                fail(line_of(*t.get("kind")), context,
                     "field \"kind\": unknown check kind " + q(*kind_text) +
                         " (expected one of: " + known + ")");
            }
        }
        if (id.empty() || !kind) return std::nullopt;
        CheckDefinition c;
        c.system = system;
        c.id = id;
        c.kind = *kind;
        enabled_and_severity(t, context, c);
        for (auto [field, target] :
             {std::pair{"title_ja", &c.title_ja}, std::pair{"title_en", &c.title_en},
              std::pair{"fix_ja", &c.fix_ja}, std::pair{"fix_en", &c.fix_en},
              std::pair{"manual", &c.manual}}) {
            if (auto v = text(t, field, context, true)) *target = *v;
        }
        if (const toml::node* n = t.get("platforms")) {
            if (auto v = list(*n, "platforms", context)) {
                for (const auto& p : *v)
                    if (p != "windows" && p != "posix")
                        fail(line_of(*n), context,
                             "field \"platforms\": unknown platform " + q(p) +
                                 " (expected windows or posix)");
                c.platforms = std::move(*v);
            }
        }
        for (auto&& [key, value] : t) {
            const std::string_view k = key.str();
            if (std::find(kCheckKeys.begin(), kCheckKeys.end(), k) != kCheckKeys.end()) continue;
            if (!parameter(c.kind, k, value, context, c.params))
                unknown_field(c.kind, k,
                              key.source().begin.line ? key.source().begin.line : line_of(value),
                              context, kCheckKeys);
        }
        required_parameters(c, line_of(t), context);
        if (c.kind == CheckKind::proxy) {
            const auto expect = c.params.text_or("expect", "");
            if (!expect.empty() && expect != "direct" && expect != "proxy")
                fail(line_of(t), context,
                     "field \"expect\": " + q(expect) + " must be \"direct\" or \"proxy\"");
            if (expect == "proxy" && !c.params.text.contains("proxy"))
                fail(line_of(t), context,
                     "field \"proxy\" (host:port) is required when expect is \"proxy\"");
        }
        return c;
    }

    // [checks.<system>.<id>]: enabled, severity and the kind's parameters of an existing check.
    void tune(const toml::table& t, CheckDefinition& c) {
        const std::string context = "check " + q(check_path(c));
        enabled_and_severity(t, context, c);
        for (auto&& [key, value] : t) {
            const std::string_view k = key.str();
            if (std::find(kTuneKeys.begin(), kTuneKeys.end(), k) != kTuneKeys.end()) continue;
            if (!parameter(c.kind, k, value, context, c.params))
                unknown_field(c.kind, k,
                              key.source().begin.line ? key.source().begin.line : line_of(value),
                              context, kTuneKeys);
        }
    }

  private:
    Diagnostics& problems_;
    std::string_view source_;
};

void add_unique(std::vector<CheckDefinition>& checks, CheckDefinition c, CheckReader& reader,
                Line line) {
    for (const auto& existing : checks)
        if (existing.system == c.system && existing.id == c.id) {
            reader.fail(line, "check " + q(check_path(c)),
                        "defined twice (a site changes a catalog check with [checks." + c.system +
                            "." + c.id + "], not a second [[check]])");
            return;
        }
    checks.push_back(std::move(c));
}

// The [[system]] array's [[system.check]] entries, of the catalog or of a site's own systems.
void read_system_checks(const toml::table& root, CheckReader& reader,
                        std::vector<CheckDefinition>& checks) {
    detail::for_each_system_table(
        root, "check",
        [&](Line line, const std::string& context, const std::string& message) {
            reader.fail(line, context, message);
        },
        [&](const toml::table& t, const std::string& system) {
            if (auto c = reader.definition(t, system)) add_unique(checks, *c, reader, line_of(t));
        });
}

// The settings of [checks] itself, beside the [checks.<system>.<id>] tunings: true when `key`
// is one of them (read, or refused with the reason).
bool read_run_setting(std::string_view key, const toml::node& value, CheckReader& reader,
                      CheckRunSettings& runs) {
    const std::string context = "[checks]";
    if (key == "in_service") {
        if (const auto* b = value.as_boolean())
            runs.in_service = b->get();
        else
            reader.fail(line_of(value), context, "field \"in_service\" must be true or false");
        return true;
    }
    struct Bounded {
        std::string_view name;
        int* target;
        long long low, high;
    };
    for (const Bounded& b :
         {Bounded{"every_hours", &runs.every_hours, 1, 24 * 7},
          Bounded{"first_run_after_minutes", &runs.first_run_after_minutes, 0, 24 * 60},
          Bounded{"network_change_quiet_seconds", &runs.network_change_quiet_seconds, 1, 600}}) {
        if (key != b.name) continue;
        const auto* i = value.as_integer();
        if (!i || i->get() < b.low || i->get() > b.high)
            reader.fail(line_of(value), context,
                        "field " + q(b.name) + " must be an integer from " + std::to_string(b.low) +
                            " to " + std::to_string(b.high));
        else
            *b.target = static_cast<int>(i->get());
        return true;
    }
    return false;
}

void read_site(const toml::table& root, CheckReader& reader, std::vector<CheckDefinition>& checks,
               const std::vector<std::string>& known_systems, CheckRunSettings& runs) {
    read_system_checks(root, reader, checks);
    if (const toml::node* n = root.get("check")) {
        if (const auto* array = n->as_array()) {
            for (const auto& e : *array) {
                const auto* t = e.as_table();
                if (!t) {
                    reader.fail(line_of(e), "", "each [[check]] must be a table");
                    continue;
                }
                auto c = reader.definition(*t, "");
                if (!c) continue;
                if (std::find(known_systems.begin(), known_systems.end(), c->system) ==
                    known_systems.end()) {
                    reader.fail(line_of(*t), "check " + q(c->id),
                                "field \"system\": unknown system " + q(c->system));
                    continue;
                }
                add_unique(checks, *c, reader, line_of(*t));
            }
        } else {
            reader.fail(line_of(*n), "", "\"check\" must be written [[check]]");
        }
    }
    if (const toml::node* n = root.get("checks")) {
        const auto* by_system = n->as_table();
        if (!by_system) {
            reader.fail(line_of(*n), "", "\"checks\" must be a table, [checks.<system>.<id>]");
            return;
        }
        for (auto&& [system, value] : *by_system) {
            if (read_run_setting(system.str(), value, reader, runs)) continue;
            const auto* by_id = value.as_table();
            if (!by_id) {
                reader.fail(line_of(value), "",
                            "[checks." + std::string(system.str()) +
                                "] must hold tables [checks.<system>.<id>]");
                continue;
            }
            for (auto&& [id, tune] : *by_id) {
                const auto* t = tune.as_table();
                // Named copies: clang 14 cannot capture structured bindings.
                const std::string_view system_id = system.str(), check_id = id.str();
                const auto it = std::find_if(checks.begin(), checks.end(), [&](const auto& c) {
                    return c.system == system_id && c.id == check_id;
                });
                const Line l = id.source().begin.line ? id.source().begin.line : line_of(tune);
                if (it == checks.end()) {
                    reader.fail(l, "",
                                "[checks." + std::string(system.str()) + "." +
                                    std::string(id.str()) +
                                    "]: no such check in the catalog or the site file");
                    continue;
                }
                if (!t) {
                    reader.fail(l, "check " + q(check_path(*it)), "must be a table");
                    continue;
                }
                reader.tune(*t, *it);
            }
        }
    }
}

}  // namespace

namespace detail {

void read_checks(const toml::table& catalog_root, std::string_view catalog_name,
                 const toml::table& site_root, std::string_view site_name, const Catalog& catalog,
                 std::vector<CheckDefinition>& checks, CheckRunSettings& runs, Diagnostics& diag) {
    // The systems a site's [[check]] may name: the catalog's and the site's own.
    std::vector<std::string> systems;
    for (const auto& s : catalog.systems) systems.push_back(s.id);
    {
        CheckReader reader(diag, catalog_name);
        read_system_checks(catalog_root, reader, checks);
    }
    CheckReader reader(diag, site_name);
    read_site(site_root, reader, checks, systems, runs);
}

}  // namespace detail

Result<std::vector<CheckDefinition>> parse_checks(std::string_view catalog_text,
                                                  std::string_view catalog_name,
                                                  std::string_view site_text,
                                                  std::string_view site_name) {
    auto config = parse_configuration(catalog_text, catalog_name, site_text, site_name);
    if (!config) return config.error();
    return std::move(config->checks);
}

Result<std::vector<CheckDefinition>> load_checks(const std::filesystem::path& catalog_file,
                                                 const std::filesystem::path& site_file) {
    auto config = load_configuration(catalog_file, site_file);
    if (!config) return config.error();
    return std::move(config->checks);
}

}  // namespace credwatch
