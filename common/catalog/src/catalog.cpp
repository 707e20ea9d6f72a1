// Reading and validating config/catalog.toml and config/site.toml (format: docs/catalog.md).
//
// Every problem is reported as "file:line: context: message", all of them at once (up to a
// cap), and any problem makes the whole load fail: the caller never sees a partial catalog.

#include "credwatch/catalog/catalog.hpp"

#include "credwatch/base/strings.hpp"
#include "credwatch/domain/identifiers.hpp"

#include "credwatch/notify/mail.hpp"
#include "credwatch/notify/smtp.hpp"

#include <toml++/toml.h>

#include "checks_reader.hpp"
#include "symptoms_reader.hpp"
#include "toml_reading.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <system_error>
#include <utility>

namespace credwatch {

// ------------------------------------------------------------------------------------------
// Catalog look-ups

const System* Catalog::system(std::string_view id) const {
    for (const auto& s : systems)
        if (s.id == id) return &s;
    return nullptr;
}

bool ServiceSettings::uses_system(std::string_view system) const {
    return !systems || std::find(systems->begin(), systems->end(), system) != systems->end();
}

const CredentialKind* Catalog::kind(std::string_view system_id, std::string_view kind_id) const {
    const System* s = system(system_id);
    if (!s) return nullptr;
    for (const auto& k : s->kinds)
        if (k.id == kind_id) return &k;
    return nullptr;
}

const Procedure* Catalog::procedure(std::string_view id) const {
    for (const auto& p : procedures)
        if (p.id == id) return &p;
    return nullptr;
}

std::string kind_path(std::string_view system_id, std::string_view kind_id) {
    std::string path(system_id);
    path += '/';
    path += kind_id;
    return path;
}

namespace {

using detail::Diagnostics;
using detail::Line;
using detail::line_of;
using detail::parse_toml;
using detail::q;

// Limits that catch typos (an extra zero) without restricting any real use.
constexpr int kMaxDays = 36500;
constexpr int kMaxLimit = 1000000;
constexpr int kMaxRepeatDays = 3650;
constexpr int kMaxEvaluateMinutes = 1440;
constexpr int kMaxStaffSnoozeDays = 365;  // the longest snooze the service grants anyone by days

// ------------------------------------------------------------------------------------------
// Small helpers

std::string found(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number with a fraction";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

bool is_lower_id(std::string_view id) {
    if (id.empty()) return false;
    const auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!ok_first(id.front())) return false;
    return std::all_of(id.begin(), id.end(), [&](char c) { return ok_first(c) || c == '-'; });
}

bool is_procedure_id(std::string_view id) {
    if (id.empty()) return false;
    const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(id.front())) return false;
    return std::all_of(id.begin(), id.end(), [&](char c) {
        return alnum(c) || c == '-' || c == '/' || c == '.' || c == '_';
    });
}

// "CurrentUser\My", "LocalMachine\Root", ... or "file".
bool is_store_name(std::string_view store) {
    if (store == "file") return true;
    for (std::string_view prefix :
         {std::string_view("CurrentUser\\"), std::string_view("LocalMachine\\")}) {
        if (store.size() > prefix.size() && store.substr(0, prefix.size()) == prefix) {
            const auto name = store.substr(prefix.size());
            return std::all_of(name.begin(), name.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            });
        }
    }
    return false;
}

std::vector<int> default_thresholds(Rule rule) {
    switch (rule) {
        case Rule::password_rotation:
        case Rule::document_age:
            return {14, 7, 3, 1};
        case Rule::certificate_validity:
            return {60, 30, 14, 7, 3, 1};
        case Rule::issuance_quota:
            return {1, 0};
    }
    return {};
}

bool uses_lifetime(Rule rule) {
    return rule == Rule::password_rotation || rule == Rule::document_age;
}

// ------------------------------------------------------------------------------------------
// Fields: typed, reported access to the keys of one table. Unknown keys are reported when the
// reader is made, so a typo ("lifetime_day") never passes silently.

class Fields {
  public:
    Fields(const toml::table& table, Diagnostics& diag, std::string_view source,
           std::string context, std::span<const std::string_view> allowed, std::string prefix = {},
           Line fallback_line = 0)
        : table_(table),
          diag_(diag),
          source_(source),
          context_(std::move(context)),
          prefix_(std::move(prefix)),
          fallback_line_(fallback_line) {
        for (auto&& [key, value] : table_) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
            Line l = key.source().begin.line;
            if (l == 0) l = line_of(value);
            diag_.add(source_, l ? l : line(), context_,
                      "unknown field " + q(name(key.str())) +
                          " (expected one of: " + join(allowed, ", ") + ")");
        }
    }

    const std::string& context() const { return context_; }
    std::string_view source() const { return source_; }
    Diagnostics& diagnostics() { return diag_; }
    void set_context(std::string context) { context_ = std::move(context); }

    const toml::node* node(std::string_view key) const { return table_.get(key); }
    bool has(std::string_view key) const { return node(key) != nullptr; }

    // The table's own line ([[system.kind]] header, or "{" of an inline table).
    Line line() const {
        const Line l = line_of(table_);
        return l ? l : fallback_line_;
    }
    Line line(std::string_view key) const {
        const toml::node* n = node(key);
        const Line l = n ? line_of(*n) : 0;
        return l ? l : line();
    }
    std::string name(std::string_view key) const { return prefix_ + std::string(key); }
    std::string field(std::string_view key) const { return "field " + q(name(key)); }

    void fail_at(Line l, const std::string& message) {
        diag_.add(source_, l ? l : line(), context_, message);
    }
    void fail(std::string_view key, const std::string& message) { fail_at(line(key), message); }
    void fail_here(const std::string& message) { fail_at(line(), message); }
    void missing(std::string_view key, std::string_view why = {}) {
        std::string message = "missing required field " + q(name(key));
        if (!why.empty()) message += " (" + std::string(why) + ")";
        fail_here(message);
    }

    std::optional<std::string> text(std::string_view key, bool required, bool non_empty) {
        const toml::node* n = node(key);
        if (!n) {
            if (required) missing(key);
            return std::nullopt;
        }
        const auto* s = n->as_string();
        if (!s || (non_empty && s->get().empty())) {
            fail(key, field(key) + " must be a " + (non_empty ? "non-empty " : "") + "string" +
                          (s ? "" : " (found " + found(*n) + ")"));
            return std::nullopt;
        }
        return s->get();
    }

    std::optional<int> integer(std::string_view key, bool required, int min, int max) {
        const toml::node* n = node(key);
        if (!n) {
            if (required) missing(key);
            return std::nullopt;
        }
        return integer_value(*n, field(key), min, max);
    }

    std::optional<int> integer_value(const toml::node& n, const std::string& what, int min,
                                     int max) {
        const std::string kind = min >= 1 ? "a positive integer" : "a non-negative integer";
        const auto* i = n.as_integer();
        if (!i) {
            fail_at(line_of(n), what + " must be " + kind + " (found " + found(n) + ")");
            return std::nullopt;
        }
        const std::int64_t v = i->get();
        if (v < min) {
            fail_at(line_of(n), what + " must be " + kind + " (found " + std::to_string(v) + ")");
            return std::nullopt;
        }
        if (v > max) {
            fail_at(line_of(n), what + " must be " + kind + " of at most " + std::to_string(max) +
                                    " (found " + std::to_string(v) + ")");
            return std::nullopt;
        }
        return static_cast<int>(v);
    }

    std::optional<bool> boolean(std::string_view key) {
        const toml::node* n = node(key);
        if (!n) return std::nullopt;
        const auto* b = n->as_boolean();
        if (!b) {
            fail(key, field(key) + " must be true or false (found " + found(*n) + ")");
            return std::nullopt;
        }
        return b->get();
    }

    const toml::array* array(std::string_view key, std::string_view of_what) {
        const toml::node* n = node(key);
        if (!n) return nullptr;
        const auto* a = n->as_array();
        if (!a)
            fail(key, field(key) + " must be an array of " + std::string(of_what) + " (found " +
                          found(*n) + ")");
        return a;
    }

    // An array of strings; each entry's line is kept for later references.
    std::optional<std::vector<std::pair<std::string, Line>>> texts_with_lines(
        std::string_view key, bool non_empty_entries = true) {
        const toml::array* a = array(key, "strings");
        if (!a) return std::nullopt;
        std::vector<std::pair<std::string, Line>> out;
        bool ok = true;
        for (const toml::node& e : *a) {
            const auto* s = e.as_string();
            const Line l = line_of(e) ? line_of(e) : line(key);
            if (!s || (non_empty_entries && s->get().empty())) {
                fail_at(l, field(key) + " must be an array of " +
                               (non_empty_entries ? "non-empty " : "") + "strings" +
                               (s ? " (found an empty string)" : " (found " + found(e) + ")"));
                ok = false;
                continue;
            }
            out.emplace_back(s->get(), l);
        }
        if (!ok) return std::nullopt;
        return out;
    }

    std::optional<std::vector<std::string>> texts(std::string_view key,
                                                  bool non_empty_entries = true) {
        auto with_lines = texts_with_lines(key, non_empty_entries);
        if (!with_lines) return std::nullopt;
        std::vector<std::string> out;
        out.reserve(with_lines->size());
        for (auto& [s, l] : *with_lines) out.push_back(std::move(s));
        return out;
    }

    const toml::table* table(std::string_view key) {
        const toml::node* n = node(key);
        if (!n) return nullptr;
        const auto* t = n->as_table();
        if (!t) fail(key, field(key) + " must be a table (found " + found(*n) + ")");
        return t;
    }

  private:
    const toml::table& table_;
    Diagnostics& diag_;
    std::string_view source_;
    std::string context_;
    std::string prefix_;
    Line fallback_line_;
};

// ------------------------------------------------------------------------------------------
// References checked once everything is read (a kind may name a procedure defined later).

struct Reference {
    enum class What { procedure, counts_kind } what;
    std::string system;  // the referring kind's system
    std::string kind;    // the referring kind
    std::string target;
    std::string source;
    Line line = 0;
    std::string context;
};

struct Origin {
    std::string source;
    Line line = 0;
    std::string where() const { return source + ":" + std::to_string(line); }
};

// ------------------------------------------------------------------------------------------
// Keys accepted in each table. Adding a field: add it here and read it below.

constexpr std::array<std::string_view, 3> kCatalogKeys{"format", "system", "procedure"};
// "check": [[system.check]], read by checks_config.cpp; "symptom" by symptoms_config.cpp.
constexpr std::array<std::string_view, 8> kSystemKeys{
    "id", "name_ja", "name_en", "description_ja", "description_en", "kind", "check", "symptom"};
constexpr std::array<std::string_view, 4> kSystemExtensionKeys{"id", "kind", "check", "symptom"};
constexpr std::array<std::string_view, 16> kKindKeys{"id",
                                                     "rule",
                                                     "name_ja",
                                                     "name_en",
                                                     "note_ja",
                                                     "note_en",
                                                     "lifetime_days",
                                                     "limit",
                                                     "thresholds",
                                                     "overdue_repeat_days",
                                                     "per",
                                                     "match",
                                                     "procedures",
                                                     "counts_kind",
                                                     "store_user",
                                                     "expected_lifetime_days"};
constexpr std::array<std::string_view, 12> kKindOverrideKeys{
    "name_ja",       "name_en", "note_ja",    "note_en",
    "lifetime_days", "limit",   "thresholds", "overdue_repeat_days",
    "per",           "match",   "procedures", "store_user"};
constexpr std::array<std::string_view, 4> kMatchKeys{"file_patterns", "issuer_contains",
                                                     "subject_contains", "stores"};
constexpr std::array<std::string_view, 10> kProcedureKeys{
    "id",       "title_ja", "title_en", "url",      "steps_ja",
    "steps_en", "phone",    "hours_ja", "hours_en", "manual"};
constexpr std::array<std::string_view, 7> kServiceKeys{
    "evaluate_every_minutes", "certificate_folders",   "socket_group", "language",
    "organisation",           "staff_snooze_max_days", "systems"};
constexpr std::array<std::string_view, 17> kEmailKeys{"enabled",
                                                      "smtp_host",
                                                      "smtp_port",
                                                      "tls",
                                                      "username",
                                                      "password_file",
                                                      "from",
                                                      "to",
                                                      "mode",
                                                      "digest_time",
                                                      "language",
                                                      "ca_file",
                                                      "verify_tls",
                                                      "retry_initial_seconds",
                                                      "retry_max_seconds",
                                                      "timeout_seconds",
                                                      "allow_plaintext_auth"};
constexpr std::array<std::string_view, 3> kMetricsKeys{"textfile", "site_id", "account"};
constexpr std::array<std::string_view, 4> kBackupKeys{"daily", "weekly", "monthly", "folder"};
constexpr std::array<std::string_view, 3> kRetentionKeys{"audit_years", "reminders_years",
                                                         "outbox_years"};
constexpr std::array<std::string_view, 11> kCredentialKeys{
    "id",    "system",        "kind",       "label",   "owner", "document_path",
    "limit", "lifetime_days", "store_user", "account", "issued"};

// store_user: the OS user whose reports may satisfy a machine credential (docs/catalog.md).
// Empty when absent or wrong (the failure is in the diagnostics).
template <class Fields>
std::string store_user_field(Fields& f, std::optional<Rule> rule, bool machine) {
    auto v = f.text("store_user", false, true);
    if (!v) return {};
    const bool control = std::any_of(v->begin(), v->end(),
                                     [](char ch) { return static_cast<unsigned char>(ch) < 0x20; });
    if (rule && *rule != Rule::certificate_validity && *rule != Rule::issuance_quota)
        f.fail("store_user",
               "field \"store_user\" is used only by certificate_validity and "
               "issuance_quota (remove it)");
    else if (!machine)
        f.fail("store_user",
               "field \"store_user\" is only for a machine credential (a user's "
               "own credential takes that user's reports already)");
    else if (control || *v == "machine" || trim(*v) != *v)
        f.fail("store_user", "field \"store_user\" must be an OS user name (found " + q(*v) + ")");
    else
        return *v;
    return {};
}

// ------------------------------------------------------------------------------------------
// The catalog reader: systems, kinds and procedures. Used for catalog.toml and for the
// [[system]] / [[procedure]] / [kind."..."] tables of the site file.

class CatalogReader {
  public:
    CatalogReader(Catalog& catalog, Diagnostics& diag) : catalog_(catalog), diag_(diag) {
        for (const auto& p : catalog_.procedures) procedure_origin_[p.id] = {};
        for (const auto& s : catalog_.systems) system_origin_[s.id] = {};
    }

    // `node` is the value of a top-level "procedure" key.
    void procedures(const toml::node& node, std::string_view source) {
        const auto* arr = array_of_tables(node, source, "procedure");
        if (!arr) return;
        for (const toml::node& e : *arr) procedure(*e.as_table(), source);
    }

    // `node` is the value of a top-level "system" key. With allow_extension, a [[system]] whose
    // id is already in the catalog adds its kinds to that system (site file).
    void systems(const toml::node& node, std::string_view source, bool allow_extension) {
        const auto* arr = array_of_tables(node, source, "system");
        if (!arr) return;
        for (const toml::node& e : *arr) system(*e.as_table(), source, allow_extension);
    }

    // `node` is the value of the site's top-level "kind" key: [kind."system/kind"] tables.
    void overrides(const toml::node& node, std::string_view source) {
        const auto* t = node.as_table();
        if (!t) {
            diag_.add(source, line_of(node), "",
                      "\"kind\" must be a table of overrides such as "
                      "[kind.\"cancer-registry/user-password\"] (found " +
                          found(node) + ")");
            return;
        }
        for (auto&& [key, value] : *t) {
            Line l = key.source().begin.line ? key.source().begin.line : line_of(value);
            const std::string path(key.str());
            const std::string context = "[kind." + q(path) + "]";
            const auto* body = value.as_table();
            if (!body) {
                diag_.add(source, l, context,
                          "must be a table of fields to override (found " + found(value) + ")");
                continue;
            }
            const auto slash = path.find('/');
            if (slash == std::string::npos) {
                diag_.add(source, l, context,
                          "the key must be \"system/kind\", quoted, as in "
                          "[kind.\"cancer-registry/user-password\"]");
                continue;
            }
            const std::string sys = path.substr(0, slash), kid = path.substr(slash + 1);
            CredentialKind* k = find_kind(sys, kid);
            if (!k) {
                const bool known_system = catalog_.system(sys) != nullptr;
                diag_.add(source, l, context,
                          known_system ? "system " + q(sys) + " has no kind " + q(kid)
                                       : "system " + q(sys) + " is not defined");
                continue;
            }
            Fields f(*body, diag_, source, context, kKindOverrideKeys, {}, l);
            kind_body(f, *k, k->rule, /*is_new=*/false);
        }
    }

    // Checks every reference collected so far against the catalog as it is now.
    void resolve() {
        for (const auto& r : references_) {
            if (r.what == Reference::What::procedure) {
                if (!catalog_.procedure(r.target))
                    diag_.add(r.source, r.line, r.context,
                              "field \"procedures\": procedure " + q(r.target) + " is not defined");
                continue;
            }
            const CredentialKind* target = catalog_.kind(r.system, r.target);
            if (!target)
                diag_.add(
                    r.source, r.line, r.context,
                    "field \"counts_kind\": system " + q(r.system) + " has no kind " + q(r.target));
            else if (target->rule != Rule::certificate_validity)
                diag_.add(r.source, r.line, r.context,
                          "field \"counts_kind\" must name a certificate_validity kind, but " +
                              q(r.target) + " has rule " + std::string(to_string(target->rule)));
        }
        references_.clear();
    }

  private:
    const toml::array* array_of_tables(const toml::node& node, std::string_view source,
                                       std::string_view key) {
        const auto* arr = node.as_array();
        if (!arr || !arr->is_array_of_tables()) {
            diag_.add(source, line_of(node), "",
                      q(key) + " must be an array of tables, written [[" + std::string(key) +
                          "]] (found " + found(node) + ")");
            return nullptr;
        }
        return arr;
    }

    CredentialKind* find_kind(std::string_view sys, std::string_view kid) {
        for (auto& s : catalog_.systems)
            if (s.id == sys)
                for (auto& k : s.kinds)
                    if (k.id == kid) return &k;
        return nullptr;
    }

    void procedure(const toml::table& t, std::string_view source) {
        Fields f(t, diag_, source, "a procedure", kProcedureKeys);
        Procedure p;
        if (auto id = f.text("id", true, true)) {
            p.id = *id;
            f.set_context("procedure " + q(p.id));
            if (!is_procedure_id(p.id))
                f.fail("id",
                       "field \"id\" must use lowercase letters, digits and - / . _ "
                       "(found " +
                           q(p.id) + ")");
            else if (auto it = procedure_origin_.find(p.id); it != procedure_origin_.end())
                f.fail("id", "duplicate procedure id " + q(p.id) +
                                 (it->second.line ? " (first defined at " + it->second.where() + ")"
                                                  : " (already defined in the catalog)"));
            else
                procedure_origin_[p.id] = {std::string(source), f.line("id")};
        }
        p.title_ja = f.text("title_ja", true, true).value_or("");
        p.title_en = f.text("title_en", true, true).value_or("");
        if (auto url = f.text("url", false, false)) {
            p.url = *url;
            if (!p.url.empty() && p.url.rfind("https://", 0) != 0 && p.url.rfind("http://", 0) != 0)
                f.fail("url", "field \"url\" must start with https:// or http:// (found " +
                                  q(p.url) + ")");
        }
        using Steps = std::pair<std::string_view, std::vector<std::string>*>;
        for (auto [key, steps] : {Steps{"steps_ja", &p.steps_ja}, Steps{"steps_en", &p.steps_en}}) {
            if (!f.has(key))
                f.missing(key);
            else if (auto v = f.texts(key)) {
                if (v->empty()) f.fail(key, f.field(key) + " must list at least one step");
                *steps = std::move(*v);
            }
        }
        p.phone = f.text("phone", false, false).value_or("");
        p.hours_ja = f.text("hours_ja", false, false).value_or("");
        p.hours_en = f.text("hours_en", false, false).value_or("");
        p.manual = f.text("manual", false, false).value_or("");
        catalog_.procedures.push_back(std::move(p));
    }

    void system(const toml::table& t, std::string_view source, bool allow_extension) {
        // An extension names an existing system; it may carry only id and kinds.
        if (allow_extension) {
            const auto* idn = t.get("id");
            if (idn && idn->is_string()) {
                const std::string id = idn->as_string()->get();
                if (auto it = system_origin_.find(id);
                    it != system_origin_.end() && it->second.line == 0) {
                    Fields f(t, diag_, source, "system " + q(id) + " (extension)",
                             kSystemExtensionKeys);
                    System* s = nullptr;
                    for (auto& each : catalog_.systems)
                        if (each.id == id) s = &each;
                    if (s) kinds(f, *s);
                    return;
                }
            }
        }
        Fields f(t, diag_, source, "a system", kSystemKeys);
        System s;
        if (auto id = f.text("id", true, true)) {
            s.id = *id;
            f.set_context("system " + q(s.id));
            if (!is_lower_id(s.id))
                f.fail("id", "field \"id\" must use lowercase letters, digits and - (found " +
                                 q(s.id) + ")");
            else if (auto it = system_origin_.find(s.id); it != system_origin_.end())
                f.fail("id", "duplicate system id " + q(s.id) + " (first defined at " +
                                 it->second.where() + ")");
            else
                system_origin_[s.id] = {std::string(source), f.line("id")};
        }
        s.name_ja = f.text("name_ja", true, true).value_or("");
        s.name_en = f.text("name_en", true, true).value_or("");
        s.description_ja = f.text("description_ja", false, false).value_or("");
        s.description_en = f.text("description_en", false, false).value_or("");
        kinds(f, s);
        if (!f.has("kind")) f.missing("kind", "at least one [[system.kind]]");
        catalog_.systems.push_back(std::move(s));
    }

    void kinds(Fields& sf, System& s) {
        const toml::node* n = sf.node("kind");
        if (!n) return;
        const auto* arr = n->as_array();
        if (!arr || !arr->is_array_of_tables()) {
            sf.fail("kind",
                    "field \"kind\" must be an array of tables, written [[system.kind]] "
                    "(found " +
                        found(*n) + ")");
            return;
        }
        std::map<std::string, Line> seen;
        for (const auto& k : s.kinds) seen[k.id] = 0;
        for (const toml::node& e : *arr) {
            const std::string system_name =
                s.id.empty() ? "an unnamed system" : "system " + q(s.id);
            Fields f(*e.as_table(), diag_, sf.source(), "a kind of " + system_name, kKindKeys);
            CredentialKind k;
            k.system = s.id;
            if (auto id = f.text("id", true, true)) {
                k.id = *id;
                f.set_context("kind " + q(k.id) + " of " + system_name);
                if (!is_lower_id(k.id))
                    f.fail("id", "field \"id\" must use lowercase letters, digits and - (found " +
                                     q(k.id) + ")");
                else if (auto it = seen.find(k.id); it != seen.end())
                    f.fail("id", "duplicate kind id " + q(k.id) + " in " + system_name +
                                     (it->second ? " (first defined at line " +
                                                       std::to_string(it->second) + ")"
                                                 : " (already defined in the catalog)"));
                else
                    seen[k.id] = f.line("id");
            }
            std::optional<Rule> rule;
            if (auto r = f.text("rule", true, true)) {
                rule = rule_from_string(*r);
                if (!rule)
                    f.fail("rule", "field \"rule\": unknown rule " + q(*r) +
                                       " (expected one of: password_rotation, "
                                       "certificate_validity, issuance_quota, document_age)");
            }
            if (rule) k.rule = *rule;
            kind_body(f, k, rule, /*is_new=*/true);
            s.kinds.push_back(std::move(k));
        }
    }

    // Reads the fields common to a new kind and an override, then checks the whole kind.
    void kind_body(Fields& f, CredentialKind& k, std::optional<Rule> rule, bool is_new) {
        const std::string rule_name = rule ? std::string(to_string(*rule)) : std::string();
        const auto not_used = [&](std::string_view key) {
            f.fail(key, f.field(key) + " is not used by rule " + rule_name + " (remove it)");
        };

        if (auto v = f.text("name_ja", is_new, true)) k.name_ja = *v;
        if (auto v = f.text("name_en", is_new, true)) k.name_en = *v;
        if (auto v = f.text("note_ja", false, false)) k.note_ja = *v;
        if (auto v = f.text("note_en", false, false)) k.note_en = *v;

        if (f.has("lifetime_days")) {
            if (auto v = f.integer("lifetime_days", false, 1, kMaxDays)) {
                if (rule && !uses_lifetime(*rule))
                    not_used("lifetime_days");
                else
                    k.lifetime_days = *v;
            }
        } else if (is_new && rule && uses_lifetime(*rule)) {
            f.missing("lifetime_days", "rule " + rule_name + " needs it");
        }

        if (f.has("expected_lifetime_days")) {
            if (auto v = f.integer("expected_lifetime_days", false, 1, kMaxDays)) {
                if (rule && *rule != Rule::certificate_validity)
                    not_used("expected_lifetime_days");
                else
                    k.expected_lifetime_days = *v;
            }
        }

        if (f.has("limit")) {
            if (auto v = f.integer("limit", false, 1, kMaxLimit)) {
                if (rule && *rule != Rule::issuance_quota)
                    not_used("limit");
                else
                    k.limit = *v;
            }
        } else if (is_new && rule && *rule == Rule::issuance_quota) {
            f.missing("limit", "rule issuance_quota needs it");
        }

        bool thresholds_ok = true;
        if (f.has("thresholds")) {
            thresholds_ok = false;
            if (const toml::array* a = f.array("thresholds", "integers")) {
                std::vector<int> values;
                bool ok = true;
                for (const toml::node& e : *a) {
                    auto v = f.integer_value(e, "field \"thresholds\"", 0, kMaxDays);
                    if (!v) {
                        ok = false;
                        continue;
                    }
                    if (!values.empty() && *v >= values.back()) {
                        f.fail_at(line_of(e) ? line_of(e) : f.line("thresholds"),
                                  "field \"thresholds\" must be in strictly descending order "
                                  "(as in [14, 7, 3, 1]; found " +
                                      std::to_string(*v) + " after " +
                                      std::to_string(values.back()) + ")");
                        ok = false;
                    }
                    values.push_back(*v);
                }
                if (ok) {
                    k.thresholds = std::move(values);
                    thresholds_ok = true;
                }
            }
        } else if (is_new && rule) {
            k.thresholds = default_thresholds(*rule);
        }

        if (f.has("overdue_repeat_days"))
            if (auto v = f.integer("overdue_repeat_days", false, 0, kMaxRepeatDays))
                k.overdue_repeat_days = *v;

        if (auto v = f.text("per", false, true)) {
            if (*v != "machine" && *v != "user")
                f.fail("per",
                       "field \"per\" must be \"machine\" or \"user\" (found " + q(*v) + ")");
            else
                k.per = *v;
        }
        if (is_new && k.per.empty()) k.per = "machine";
        if (f.has("store_user")) k.store_user = store_user_field(f, rule, k.per == "machine");

        if (f.has("match")) {
            if (rule && *rule != Rule::certificate_validity)
                not_used("match");
            else if (const toml::table* mt = f.table("match"))
                k.match = match(*mt, f);
        }

        if (auto v = f.texts_with_lines("procedures")) {
            k.procedures.clear();
            for (auto& [id, l] : *v) {
                references_.push_back({Reference::What::procedure, k.system, k.id, id,
                                       std::string(f.source()), l, f.context()});
                k.procedures.push_back(std::move(id));
            }
        }

        if (is_new) {
            if (auto v = f.text("counts_kind", false, true)) {
                if (rule && *rule != Rule::issuance_quota) {
                    not_used("counts_kind");
                } else {
                    k.counts_kind = *v;
                    references_.push_back({Reference::What::counts_kind, k.system, k.id, *v,
                                           std::string(f.source()), f.line("counts_kind"),
                                           f.context()});
                }
            }
        }

        // Across fields, with the values as they are after this table.
        if (rule && *rule == Rule::issuance_quota && thresholds_ok && k.limit > 0) {
            for (int t : k.thresholds)
                if (t > k.limit) {
                    f.fail("thresholds", "field \"thresholds\": " + std::to_string(t) +
                                             " is more than the limit " + std::to_string(k.limit) +
                                             " (a quota's thresholds count the issuances left)");
                    break;
                }
        }
    }

    CertificateMatch match(const toml::table& t, Fields& parent) {
        Fields f(t, diag_, parent.source(), parent.context(), kMatchKeys, "match.",
                 parent.line("match"));
        CertificateMatch m;
        if (auto v = f.texts("file_patterns")) m.file_patterns = std::move(*v);
        if (auto v = f.texts("issuer_contains")) m.issuer_contains = std::move(*v);
        if (auto v = f.texts("subject_contains")) m.subject_contains = std::move(*v);
        if (auto v = f.texts_with_lines("stores")) {
            for (auto& [store, l] : *v) {
                if (!is_store_name(store))
                    f.fail_at(l, "field \"match.stores\": unknown store " + q(store) +
                                     " (expected \"file\", \"CurrentUser\\\\My\", "
                                     "\"CurrentUser\\\\Root\", \"LocalMachine\\\\My\", ...)");
                else
                    m.stores.push_back(std::move(store));
            }
        }
        // File name patterns only recognise files: with an OS store and nothing about the
        // issuer or subject, every certificate in that store would be taken for this kind.
        // (A match with no pattern, issuer or subject at all matches nothing: allowed.)
        if (!m.file_patterns.empty() && m.issuer_contains.empty() && m.subject_contains.empty())
            for (const auto& store : m.stores)
                if (store != "file") {
                    parent.fail("match", "field \"match\": store " + q(store) +
                                             " needs issuer_contains or subject_contains "
                                             "(file_patterns only recognise files; without them "
                                             "every certificate in that store would match)");
                    break;
                }
        return m;
    }

    Catalog& catalog_;
    Diagnostics& diag_;
    std::vector<Reference> references_;
    // Origin line 0 = came from the catalog before this reader (site: extensions allowed).
    std::map<std::string, Origin, std::less<>> procedure_origin_;
    std::map<std::string, Origin, std::less<>> system_origin_;
};

void read_catalog(const toml::table& root, std::string_view source, Catalog& catalog,
                  Diagnostics& diag) {
    Fields top(root, diag, source, "", kCatalogKeys, {}, 1);
    if (top.has("format")) {
        if (auto v = top.integer("format", false, 1, 1000); v && *v != 1)
            top.fail("format", "field \"format\": this credwatch reads format 1 (found " +
                                   std::to_string(*v) + ")");
    }
    CatalogReader reader(catalog, diag);
    if (const toml::node* n = root.get("procedure")) reader.procedures(*n, source);
    if (const toml::node* n = root.get("system"))
        reader.systems(*n, source, /*allow_extension=*/false);
    else
        diag.add(source, 0, "", "no [[system]] defined: the catalog must define at least one");
    reader.resolve();
}

// ------------------------------------------------------------------------------------------
// The site file. Each top-level table is one section; a new section (e.g. [email]) is one
// entry in kSiteSections plus one member function.

class SiteReader {
  public:
    SiteReader(Configuration& config, Diagnostics& diag, std::string_view source)
        : config_(config), diag_(diag), source_(source), catalog_reader_(config.catalog, diag) {}

    void read(const toml::table& root);

  private:
    void service(const toml::node& node);
    void email(const toml::node& node);
    void metrics(const toml::node& node);
    void backup(const toml::node& node);
    void retention(const toml::node& node);
    void procedure(const toml::node& node) { catalog_reader_.procedures(node, source_); }
    void system(const toml::node& node) {
        catalog_reader_.systems(node, source_, /*allow_extension=*/true);
    }
    void kind(const toml::node& node) { catalog_reader_.overrides(node, source_); }
    void credential(const toml::node& node);
    // [service] systems names systems that [[system]] of the site file may define: checked
    // once every section is read.
    void check_systems();
    // [[check]] and [checks.<system>.<id>]: read by checks_config.cpp.
    void checks(const toml::node&) {}

    struct Section {
        std::string_view key;
        void (SiteReader::*read)(const toml::node&);
    };
    // Read in this order whatever the order in the file: procedures and systems before the
    // overrides and credentials that refer to them; [service] first.
    static constexpr std::array<Section, 12> kSiteSections{{
        {"service", &SiteReader::service},
        {"email", &SiteReader::email},
        {"metrics", &SiteReader::metrics},
        {"backup", &SiteReader::backup},
        {"retention", &SiteReader::retention},
        {"procedure", &SiteReader::procedure},
        {"system", &SiteReader::system},
        {"kind", &SiteReader::kind},
        {"credential", &SiteReader::credential},
        {"check", &SiteReader::checks},
        {"checks", &SiteReader::checks},
        {"symptom", &SiteReader::checks},  // symptoms_config.cpp
    }};

    Configuration& config_;
    Diagnostics& diag_;
    std::string_view source_;
    CatalogReader catalog_reader_;
    std::vector<std::pair<std::string, Line>> systems_;  // [service] systems, with their lines
};

void SiteReader::read(const toml::table& root) {
    std::array<std::string_view, kSiteSections.size()> names{};
    for (std::size_t i = 0; i < kSiteSections.size(); ++i) names[i] = kSiteSections[i].key;
    for (auto&& [key, value] : root) {
        if (std::find(names.begin(), names.end(), key.str()) != names.end()) continue;
        const Line l = key.source().begin.line ? key.source().begin.line : line_of(value);
        diag_.add(
            source_, l, "",
            "unknown table " + q(key.str()) + " (expected one of: " + join(names, ", ") + ")");
    }
    for (const auto& section : kSiteSections)
        if (const toml::node* n = root.get(section.key)) (this->*section.read)(*n);
    catalog_reader_.resolve();
    check_systems();
}

void SiteReader::check_systems() {
    if (!config_.service.systems) return;
    std::vector<std::string_view> defined;
    for (const auto& system : config_.catalog.systems) defined.push_back(system.id);
    std::map<std::string, Line> seen;
    for (const auto& [id, line] : systems_) {
        if (!config_.catalog.system(id))
            diag_.add(source_, line, "[service]",
                      "field \"systems\": unknown system " + q(id) +
                          " (defined systems: " + join(defined, ", ") + ")");
        else if (auto it = seen.find(id); it != seen.end())
            diag_.add(source_, line, "[service]",
                      "field \"systems\": system " + q(id) + " is listed twice (first at line " +
                          std::to_string(it->second) + ")");
        else
            seen.emplace(id, line);
    }
}

void SiteReader::service(const toml::node& node) {
    const auto* t = node.as_table();
    if (!t) {
        diag_.add(source_, line_of(node), "",
                  "\"service\" must be a table, written [service] (found " + found(node) + ")");
        return;
    }
    Fields f(*t, diag_, source_, "[service]", kServiceKeys);
    ServiceSettings& s = config_.service;
    if (auto v = f.integer("evaluate_every_minutes", false, 1, kMaxEvaluateMinutes))
        s.evaluate_every_minutes = *v;
    if (auto v = f.texts("certificate_folders")) s.certificate_folders = std::move(*v);
    if (auto v = f.text("socket_group", false, false)) s.socket_group = *v;
    if (auto v = f.text("language", false, true)) {
        if (*v != "ja" && *v != "en" && *v != "auto")
            f.fail("language",
                   "field \"language\" must be \"ja\", \"en\" or \"auto\" (found " + q(*v) + ")");
        else
            s.language = *v;
    }
    if (auto v = f.text("organisation", false, false)) s.organisation = *v;
    if (auto v = f.integer("staff_snooze_max_days", false, 1, kMaxStaffSnoozeDays))
        s.staff_snooze_max_days = *v;
    if (auto v = f.texts_with_lines("systems")) {
        s.systems.emplace();
        for (const auto& [id, line] : *v) s.systems->push_back(id);
        systems_ = std::move(*v);
    }
}

namespace {
// localhost, 127.0.0.0/8 and ::1: a password sent there never leaves the machine.
bool is_loopback_host(std::string_view host) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.ends_with('.')) host.remove_suffix(1);
    if (host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
    std::string lower(host);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "localhost" || lower.ends_with(".localhost")) return true;
    if (!lower.starts_with("127.")) return false;
    int parts = 0;
    for (std::size_t i = 0; i <= lower.size();) {
        std::size_t dot = std::min(lower.find('.', i), lower.size());
        auto part = std::string_view(lower).substr(i, dot - i);
        if (part.empty() || part.size() > 3 ||
            part.find_first_not_of("0123456789") != std::string_view::npos ||
            std::stoi(std::string(part)) > 255)
            return false;
        ++parts;
        i = dot + 1;
    }
    return parts == 4;
}
}  // namespace

void SiteReader::email(const toml::node& node) {
    const auto* t = node.as_table();
    if (!t) {
        diag_.add(source_, line_of(node), "",
                  "\"email\" must be a table, written [email] (found " + found(node) + ")");
        return;
    }
    Fields f(*t, diag_, source_, "[email]", kEmailKeys);
    EmailSettings& e = config_.email;
    if (auto v = f.boolean("enabled")) e.enabled = *v;
    if (auto v = f.text("smtp_host", false, false)) e.smtp_host = *v;
    if (auto v = f.integer("smtp_port", false, 1, 65535)) e.smtp_port = *v;
    if (auto v = f.text("tls", false, true)) {
        if (!smtp_security_from_string(*v))
            f.fail("tls", "field \"tls\" must be \"starttls\", \"implicit\" or \"none\" (found " +
                              q(*v) + ")");
        else
            e.tls = *v;
    }
    if (auto v = f.text("username", false, false)) e.username = *v;
    if (auto v = f.text("password_file", false, false)) e.password_file = *v;
    if (!e.username.empty() && e.password_file.empty())
        f.fail("username",
               "field \"username\" needs \"password_file\" (the file holding the "
               "SMTP password)");
    if (e.username.empty() && !e.password_file.empty())
        f.fail("password_file", "field \"password_file\" needs \"username\" (the SMTP user name)");
    // The password would cross the network in clear text: only to this machine, or on purpose.
    if (auto v = f.boolean("allow_plaintext_auth")) e.allow_plaintext_auth = *v;
    if (e.tls == "none" && !e.username.empty() && !e.allow_plaintext_auth &&
        !is_loopback_host(e.smtp_host))
        f.fail("tls",
               "field \"tls\" = \"none\" with \"username\" would send the SMTP password in "
               "clear text to " +
                   q(e.smtp_host) +
                   ": use \"starttls\" or \"implicit\", a relay on this machine (localhost), or "
                   "set allow_plaintext_auth = true in [email]");
    if (auto v = f.text("from", false, false)) {
        if (!v->empty()) {
            if (auto a = mail::parse_address(*v); !a)
                f.fail("from", "field \"from\": " + a.error().message);
        }
        e.from = *v;
    }
    if (auto v = f.texts_with_lines("to")) {
        e.to.clear();
        for (auto& [address, l] : *v) {
            if (auto a = mail::parse_address(address); !a)
                f.fail_at(l, "field \"to\": " + a.error().message);
            e.to.push_back(std::move(address));
        }
    }
    if (auto v = f.text("mode", false, true)) {
        if (*v != "each" && *v != "digest")
            f.fail("mode",
                   "field \"mode\" must be \"each\" (one mail per reminder) or \"digest\" "
                   "(one mail a day) (found " +
                       q(*v) + ")");
        else
            e.mode = *v;
    }
    if (auto v = f.text("digest_time", false, true)) {
        const std::string& d = *v;
        const bool shape = d.size() == 5 && d[2] == ':' &&
                           std::isdigit(static_cast<unsigned char>(d[0])) &&
                           std::isdigit(static_cast<unsigned char>(d[1])) &&
                           std::isdigit(static_cast<unsigned char>(d[3])) &&
                           std::isdigit(static_cast<unsigned char>(d[4]));
        const int h = shape ? (d[0] - '0') * 10 + (d[1] - '0') : -1;
        const int m = shape ? (d[3] - '0') * 10 + (d[4] - '0') : -1;
        if (!shape || h > 23 || m > 59)
            f.fail("digest_time",
                   "field \"digest_time\" must be a local time \"HH:MM\" such as "
                   "\"08:30\" (found " +
                       q(d) + ")");
        else
            e.digest_minutes = h * 60 + m;
    }
    if (auto v = f.text("language", false, true)) {
        if (*v != "ja" && *v != "en" && *v != "auto")
            f.fail("language",
                   "field \"language\" must be \"ja\", \"en\" or \"auto\" (found " + q(*v) + ")");
        else
            e.language = *v;
    }
    if (auto v = f.text("ca_file", false, false)) e.ca_file = *v;
    if (auto v = f.boolean("verify_tls")) e.verify_tls = *v;
    if (auto v = f.integer("retry_initial_seconds", false, 1, 86400)) e.retry_initial_seconds = *v;
    if (auto v = f.integer("retry_max_seconds", false, 1, 7 * 86400)) e.retry_max_seconds = *v;
    if (e.retry_max_seconds < e.retry_initial_seconds)
        f.fail("retry_max_seconds",
               "field \"retry_max_seconds\" must not be less than "
               "\"retry_initial_seconds\"");
    if (auto v = f.integer("timeout_seconds", false, 1, 3600)) e.timeout_seconds = *v;
    if (e.enabled) {
        const std::string why = "needed when enabled = true";
        if (e.smtp_host.empty()) f.missing("smtp_host", why);
        if (e.from.empty()) f.missing("from", why);
        if (e.to.empty()) f.missing("to", why + ": at least one recipient");
    }
}

void SiteReader::retention(const toml::node& node) {
    const auto* t = node.as_table();
    if (!t) {
        diag_.add(source_, line_of(node), "",
                  "\"retention\" must be a table, written [retention] (found " + found(node) + ")");
        return;
    }
    Fields f(*t, diag_, source_, "[retention]", kRetentionKeys);
    auto& r = config_.retention;
    if (auto v = f.integer("audit_years", false, 1, 100)) r.audit_years = *v;
    if (auto v = f.integer("reminders_years", false, 1, 100)) r.reminders_years = *v;
    if (auto v = f.integer("outbox_years", false, 1, 100)) r.outbox_years = *v;
}

void SiteReader::metrics(const toml::node& node) {
    const auto* t = node.as_table();
    if (!t) {
        diag_.add(source_, line_of(node), "",
                  "\"metrics\" must be a table, written [metrics] (found " + found(node) + ")");
        return;
    }
    Fields f(*t, diag_, source_, "[metrics]", kMetricsKeys);
    if (auto v = f.text("textfile", false, false)) {
        if (!v->empty() && (v->size() < 5 || v->substr(v->size() - 5) != ".prom"))
            f.fail("textfile",
                   "field \"textfile\" must end in .prom: the textfile collectors of "
                   "node_exporter and windows_exporter read only *.prom files (found " +
                       q(*v) + ")");
        else
            config_.metrics.textfile = *v;
    }
    // Label values: any UTF-8 text is fine (escaped in the file), but a line break in an
    // identifier is a mistake in the file, not a name.
    auto label = [&](std::string_view key, bool non_empty) -> std::optional<std::string> {
        auto v = f.text(key, false, non_empty);
        if (v && v->find_first_of("\r\n") != std::string::npos) {
            f.fail(key, f.field(key) + " must be on one line (found " + q(*v) + ")");
            return std::nullopt;
        }
        return v;
    };
    if (auto v = label("site_id", true)) config_.metrics.site_id = *v;
    if (auto v = label("account", false)) config_.metrics.account = *v;
}

void SiteReader::backup(const toml::node& node) {
    const auto* t = node.as_table();
    if (!t) {
        diag_.add(source_, line_of(node), "",
                  "\"backup\" must be a table, written [backup] (found " + found(node) + ")");
        return;
    }
    Fields f(*t, diag_, source_, "[backup]", kBackupKeys);
    // At least one daily backup is kept: recovery needs the newest.
    if (auto v = f.integer("daily", false, 1, 366)) config_.backup.daily = *v;
    if (auto v = f.integer("weekly", false, 0, 520)) config_.backup.weekly = *v;
    if (auto v = f.integer("monthly", false, 0, 1200)) config_.backup.monthly = *v;
    if (auto v = f.text("folder", false, true)) config_.backup.folder = *v;
}

void SiteReader::credential(const toml::node& node) {
    const auto* arr = node.as_array();
    if (!arr || !arr->is_array_of_tables()) {
        diag_.add(source_, line_of(node), "",
                  "\"credential\" must be an array of tables, written [[credential]] (found " +
                      found(node) + ")");
        return;
    }
    std::map<std::string, Line> seen;
    for (const toml::node& e : *arr) {
        Fields f(*e.as_table(), diag_, source_, "a credential", kCredentialKeys);
        Credential c;
        c.source = "config";
        bool id_ok = false;
        if (auto id = f.text("id", true, true)) {
            c.id = *id;
            f.set_context("credential " + q(c.id));
            if (auto valid = check_credential_id(c.id, "field \"id\""); !valid)
                f.fail("id", valid.error().message);
            else if (auto it = seen.find(c.id); it != seen.end())
                f.fail("id", "duplicate credential id " + q(c.id) + " (first defined at line " +
                                 std::to_string(it->second) + ")");
            else {
                seen[c.id] = f.line("id");
                id_ok = true;
            }
        }
        const CredentialKind* kind = nullptr;
        auto sys = f.text("system", true, true);
        auto kid = f.text("kind", true, true);
        if (sys) {
            c.system = *sys;
            if (!config_.catalog.system(*sys))
                f.fail("system", "field \"system\": system " + q(*sys) + " is not defined");
            else if (kid) {
                c.kind = *kid;
                kind = config_.catalog.kind(*sys, *kid);
                if (!kind)
                    f.fail("kind", "field \"kind\": system " + q(*sys) + " has no kind " + q(*kid));
            }
        }
        if (auto v = f.text("label", false, false)) c.label = *v;
        if (auto v = f.text("owner", false, true)) c.owner = *v;
        c.store_user = store_user_field(f, kind ? std::optional(kind->rule) : std::nullopt,
                                        c.owner == "machine");
        const std::string rule_name = kind ? std::string(to_string(kind->rule)) : std::string();
        if (auto v = f.text("document_path", false, true)) {
            if (kind && kind->rule != Rule::document_age)
                f.fail("document_path",
                       "field \"document_path\" is not used by rule " + rule_name + " (remove it)");
            c.document_path = *v;
        }
        if (auto v = f.integer("limit", false, 1, kMaxLimit)) {
            if (kind && kind->rule != Rule::issuance_quota)
                f.fail("limit",
                       "field \"limit\" is not used by rule " + rule_name + " (remove it)");
            c.limit = *v;
        }
        // account, issued: an issuance quota shared by the facility's PCs (docs/issuances.md).
        const bool quota = kind && kind->rule == Rule::issuance_quota;
        if (auto v = f.text("account", false, true)) {
            if (kind && !quota)
                f.fail("account",
                       "field \"account\" is not used by rule " + rule_name + " (remove it)");
            c.account = *v;
        }
        if (auto v = f.integer("issued", false, 0, kMaxLimit)) {
            if (kind && !quota)
                f.fail("issued",
                       "field \"issued\" is not used by rule " + rule_name + " (remove it)");
            c.issued_floor = *v;
        }
        if (auto v = f.integer("lifetime_days", false, 1, kMaxDays)) {
            if (kind && !uses_lifetime(kind->rule))
                f.fail("lifetime_days",
                       "field \"lifetime_days\" is not used by rule " + rule_name + " (remove it)");
            c.lifetime_days = *v;
        }
        if (id_ok) config_.credentials.push_back(std::move(c));
    }
}

Result<std::string> read_text_file(const std::filesystem::path& path, std::string_view what) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        return make_error(Errc::not_found,
                          std::string(what) + " " + q(path_to_utf8(path)) + " does not exist");
    if (std::filesystem::is_directory(status))
        return make_error(Errc::io_error, std::string(what) + " " + q(path_to_utf8(path)) +
                                              " is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return make_error(Errc::io_error,
                          std::string(what) + " " + q(path_to_utf8(path)) + " cannot be opened");
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad())
        return make_error(Errc::io_error,
                          std::string(what) + " " + q(path_to_utf8(path)) + " cannot be read");
    return content.str();
}

}  // namespace

// ------------------------------------------------------------------------------------------
// Public API

Result<Catalog> parse_catalog(std::string_view toml_text, std::string_view source_name) {
    Diagnostics diag;
    auto root = parse_toml(toml_text, source_name, diag);
    if (!root) return diag.error();
    Catalog catalog;
    read_catalog(*root, source_name, catalog, diag);
    if (!diag.empty()) return diag.error();
    return catalog;
}

Result<Configuration> parse_configuration(std::string_view catalog_text,
                                          std::string_view catalog_name, std::string_view site_text,
                                          std::string_view site_name) {
    Diagnostics diag;
    auto catalog_root = parse_toml(catalog_text, catalog_name, diag);
    if (!catalog_root) return diag.error();
    Configuration config;
    read_catalog(*catalog_root, catalog_name, config.catalog, diag);
    if (!diag.empty()) return diag.error();

    auto root = parse_toml(site_text, site_name, diag);
    if (!root) return diag.error();
    SiteReader(config, diag, site_name).read(*root);
    if (!diag.empty()) return diag.error();
    // Checks are read last, with the site's own systems known, so a check never changes how
    // credentials are read.
    detail::read_checks(*catalog_root, catalog_name, *root, site_name, config.catalog,
                        config.checks, config.check_runs, diag);
    if (!diag.empty()) return diag.error();
    detail::read_symptoms(*catalog_root, catalog_name, *root, site_name, config, config.symptoms,
                          diag);
    if (!diag.empty()) return diag.error();
    config.sources = {std::string(catalog_name), std::string(site_name)};
    return config;
}

Result<Configuration> load_configuration(const std::filesystem::path& catalog_file,
                                         const std::filesystem::path& site_file) {
    std::string catalog_text = embedded::catalog_toml;
    std::string catalog_name = "embedded catalog.toml";
    if (!catalog_file.empty()) {
        auto text = read_text_file(catalog_file, "catalog file");
        if (!text) return text.error();
        catalog_text = std::move(*text);
        catalog_name = path_to_utf8(catalog_file);
    }
    std::string site_text = embedded::site_toml;
    std::string site_name = "embedded site.toml";
    if (!site_file.empty()) {
        auto text = read_text_file(site_file, "site configuration file");
        if (!text) return text.error();
        site_text = std::move(*text);
        site_name = path_to_utf8(site_file);
    }
    return parse_configuration(catalog_text, catalog_name, site_text, site_name);
}

}  // namespace credwatch
