// [[system.symptom]] of the catalog, [[symptom]] and [[system.symptom]] of the site file
// (docs/doctor.md). Read apart from the rest of the catalog, as the checks are; problems are
// reported the same way ("file:line: context: message").

#include "credwatch/catalog/symptoms_config.hpp"

#include "credwatch/catalog/catalog.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <utility>

namespace credwatch {

namespace {

using Line = std::size_t;

constexpr std::size_t kMaxReportedErrors = 30;

constexpr std::array<std::string_view, 6> kSymptomKeys{
    "message_ja", "message_en", "what_to_do_ja", "what_to_do_en", "manual", "checks"};

std::string q(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    return out + "\"";
}

Line line_of(const toml::node& node) {
    return node.source().begin.line;
}

Line line_of_key(const toml::key& key, const toml::node& value) {
    return key.source().begin.line ? key.source().begin.line : line_of(value);
}

class Problems {
  public:
    explicit Problems(std::string_view source) : source_(source) {}
    void source(std::string_view source) { source_ = source; }
    void add(Line line, std::string_view context, std::string_view message) {
        ++total_;
        if (entries_.size() >= kMaxReportedErrors) return;
        std::string text(source_);
        if (line > 0) text += ":" + std::to_string(line);
        text += ": ";
        if (!context.empty()) text += std::string(context) + ": ";
        text += message;
        entries_.push_back(std::move(text));
    }
    bool empty() const { return total_ == 0; }
    Error error() const {
        std::string text;
        for (const auto& e : entries_) text += (text.empty() ? "" : "\n") + e;
        if (total_ > entries_.size())
            text += "\n(" + std::to_string(total_ - entries_.size()) + " more problems not shown)";
        return make_error(Errc::catalog_invalid, std::move(text));
    }

  private:
    std::string_view source_;
    std::vector<std::string> entries_;
    std::size_t total_ = 0;
};

// The check paths a symptom may name: every [[system.check]] and [[check]] of both files, as
// written (checks_config.cpp validates the checks themselves).
void collect_check_paths(const toml::table& root, std::set<std::string, std::less<>>& paths) {
    if (const auto* systems = root.get_as<toml::array>("system"))
        for (const auto& s : *systems) {
            const auto* st = s.as_table();
            const auto* id = st ? st->get_as<std::string>("id") : nullptr;
            const auto* checks = st ? st->get_as<toml::array>("check") : nullptr;
            if (!id || !checks) continue;
            for (const auto& c : *checks)
                if (const auto* ct = c.as_table())
                    if (const auto* cid = ct->get_as<std::string>("id"))
                        paths.insert(id->get() + "/" + cid->get());
        }
    if (const auto* checks = root.get_as<toml::array>("check"))
        for (const auto& c : *checks)
            if (const auto* ct = c.as_table()) {
                const auto* system = ct->get_as<std::string>("system");
                const auto* cid = ct->get_as<std::string>("id");
                if (system && cid) paths.insert(system->get() + "/" + cid->get());
            }
}

class SymptomReader {
  public:
    SymptomReader(Problems& problems, const std::set<std::string, std::less<>>& check_paths,
                  const Configuration& config)
        : problems_(problems), check_paths_(check_paths), config_(config) {}

    // One entry; `system` is empty for a site's [[symptom]], which names its own.
    void entry(const toml::table& t, std::string system, std::vector<Symptom>& out) {
        std::string context = system.empty() ? "a symptom" : "a symptom of system " + q(system);
        if (system.empty()) {
            const toml::node* n = t.get("system");
            const auto* s = n ? n->as_string() : nullptr;
            if (!s || s->get().empty()) {
                fail(n ? line_of(*n) : line_of(t), context,
                     n ? "field \"system\" must be a non-empty string"
                       : "missing required field \"system\"");
                return;
            }
            system = s->get();
            context = "a symptom of system " + q(system);
            if (!config_.catalog.system(system)) {
                fail(line_of(*n), context, "field \"system\": unknown system " + q(system));
                return;
            }
        } else if (const toml::node* n = t.get("system")) {
            fail(line_of(*n), context,
                 "field \"system\" is only for a site's [[symptom]]: a [[system.symptom]] "
                 "belongs to its system");
        }
        Symptom symptom;
        symptom.system = system;
        for (auto [field, target] : {std::pair{"message_ja", &symptom.message_ja},
                                     std::pair{"message_en", &symptom.message_en},
                                     std::pair{"what_to_do_ja", &symptom.what_to_do_ja},
                                     std::pair{"what_to_do_en", &symptom.what_to_do_en},
                                     std::pair{"manual", &symptom.manual}})
            text(t, field, context, *target);
        if (const toml::node* n = t.get("checks")) checks(*n, context, symptom);
        for (auto&& [key, value] : t) {
            const std::string_view k = key.str();
            if (k == "system" ||
                std::find(kSymptomKeys.begin(), kSymptomKeys.end(), k) != kSymptomKeys.end())
                continue;
            std::string expected;
            for (auto e : kSymptomKeys) expected += (expected.empty() ? "" : ", ") + std::string(e);
            fail(line_of_key(key, value), context,
                 "unknown field " + q(k) + " (expected one of: " + expected + ")");
        }
        for (const auto& existing : out)
            if (existing.system == symptom.system && !symptom.message_ja.empty() &&
                existing.message_ja == symptom.message_ja) {
                fail(line_of(t), context,
                     "message_ja " + q(symptom.message_ja) + " is listed twice for this system");
                return;
            }
        out.push_back(std::move(symptom));
    }

    void fail(Line line, std::string_view context, const std::string& message) {
        problems_.add(line, context, message);
    }

  private:
    void text(const toml::table& t, std::string_view key, std::string_view context,
              std::string& target) {
        const toml::node* n = t.get(key);
        if (!n) {
            fail(line_of(t), context, "missing required field " + q(key));
            return;
        }
        const auto* s = n->as_string();
        if (!s || s->get().empty()) {
            fail(line_of(*n), context, "field " + q(key) + " must be a non-empty string");
            return;
        }
        target = s->get();
    }

    // "resolve-mio" (a check of the symptom's system) or "other-system/check-id".
    void checks(const toml::node& n, std::string_view context, Symptom& symptom) {
        const auto* a = n.as_array();
        if (!a) {
            fail(line_of(n), context, "field \"checks\" must be an array of check ids");
            return;
        }
        for (const auto& e : *a) {
            const Line l = line_of(e) ? line_of(e) : line_of(n);
            const auto* s = e.as_string();
            if (!s || s->get().empty()) {
                fail(l, context, "field \"checks\" must hold only non-empty strings");
                continue;
            }
            const std::string& id = s->get();
            std::string path = id.find('/') == std::string::npos ? symptom.system + "/" + id : id;
            if (!check_paths_.contains(path)) {
                fail(l, context,
                     "field \"checks\": unknown check " + q(id) + " (no check " + q(path) +
                         " in the catalog or the site file)");
                continue;
            }
            symptom.checks.push_back(std::move(path));
        }
    }

    Problems& problems_;
    const std::set<std::string, std::less<>>& check_paths_;
    const Configuration& config_;
};

void read_system_symptoms(const toml::table& root, SymptomReader& reader,
                          std::vector<Symptom>& out) {
    const auto* systems = root.get_as<toml::array>("system");
    if (!systems) return;
    for (const auto& s : *systems) {
        const auto* st = s.as_table();
        const auto* id = st ? st->get_as<std::string>("id") : nullptr;
        if (!id) continue;  // the catalog reader reports it
        const toml::node* list = st->get("symptom");
        if (!list) continue;
        const auto* array = list->as_array();
        if (!array) {
            reader.fail(line_of(*list), "system " + q(id->get()),
                        "\"symptom\" must be written [[system.symptom]]");
            continue;
        }
        for (const auto& e : *array) {
            if (const auto* t = e.as_table())
                reader.entry(*t, id->get(), out);
            else
                reader.fail(line_of(e), "system " + q(id->get()),
                            "each [[system.symptom]] must be a table");
        }
    }
}

std::optional<toml::table> parse_toml(std::string_view text, Problems& problems,
                                      std::string_view name) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    try {
        return toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        problems.add(e.source().begin.line, "",
                     "TOML syntax error: " + std::string(e.description()));
        return std::nullopt;
    }
}

}  // namespace

Result<std::vector<Symptom>> parse_symptoms(std::string_view catalog_text,
                                            std::string_view catalog_name,
                                            std::string_view site_text, std::string_view site_name,
                                            const Configuration& config) {
    Problems problems(catalog_name);
    auto catalog = parse_toml(catalog_text, problems, catalog_name);
    if (!catalog) return problems.error();
    problems.source(site_name);
    auto site = parse_toml(site_text, problems, site_name);
    if (!site) return problems.error();

    std::set<std::string, std::less<>> check_paths;
    collect_check_paths(*catalog, check_paths);
    collect_check_paths(*site, check_paths);

    std::vector<Symptom> symptoms;
    SymptomReader reader(problems, check_paths, config);
    problems.source(catalog_name);
    read_system_symptoms(*catalog, reader, symptoms);
    problems.source(site_name);
    read_system_symptoms(*site, reader, symptoms);
    if (const toml::node* n = site->get("symptom")) {
        if (const auto* array = n->as_array()) {
            for (const auto& e : *array) {
                if (const auto* t = e.as_table())
                    reader.entry(*t, "", symptoms);
                else
                    reader.fail(line_of(e), "", "each [[symptom]] must be a table");
            }
        } else {
            reader.fail(line_of(*n), "", "\"symptom\" must be written [[symptom]]");
        }
    }
    if (!problems.empty()) return problems.error();
    return symptoms;
}

}  // namespace credwatch
