// [[system.symptom]] of the catalog, [[symptom]] and [[system.symptom]] of the site file
// (docs/doctor.md). parse_configuration runs this reader after the checks, on the documents it
// parsed; problems are reported the same way ("file:line: context: message").

#include "credwatch/catalog/catalog.hpp"

#include "symptoms_reader.hpp"
#include "toml_reading.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <utility>

namespace credwatch {

namespace {

using detail::Diagnostics;
using detail::Line;
using detail::line_of;
using detail::q;

constexpr std::array<std::string_view, 6> kSymptomKeys{
    "message_ja", "message_en", "what_to_do_ja", "what_to_do_en", "manual", "checks"};

Line line_of_key(const toml::key& key, const toml::node& value) {
    return key.source().begin.line ? key.source().begin.line : line_of(value);
}

class SymptomReader {
  public:
    SymptomReader(Diagnostics& diag, const std::set<std::string, std::less<>>& check_paths,
                  const Configuration& config)
        : diag_(diag), check_paths_(check_paths), config_(config) {}

    // The file the next entries come from, for the messages.
    void source(std::string_view source) { source_ = source; }

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
        diag_.add(source_, line, context, message);
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

    Diagnostics& diag_;
    std::string_view source_;
    const std::set<std::string, std::less<>>& check_paths_;
    const Configuration& config_;
};

void read_system_symptoms(const toml::table& root, SymptomReader& reader,
                          std::vector<Symptom>& out) {
    detail::for_each_system_table(
        root, "symptom",
        [&](Line line, const std::string& context, const std::string& message) {
            reader.fail(line, context, message);
        },
        [&](const toml::table& t, const std::string& system) { reader.entry(t, system, out); });
}

}  // namespace

namespace detail {

void read_symptoms(const toml::table& catalog_root, std::string_view catalog_name,
                   const toml::table& site_root, std::string_view site_name,
                   const Configuration& config, std::vector<Symptom>& symptoms, Diagnostics& diag) {
    // A symptom may name any check of either file, enabled or not.
    std::set<std::string, std::less<>> check_paths;
    for (const auto& c : config.checks) check_paths.insert(check_path(c));

    SymptomReader reader(diag, check_paths, config);
    reader.source(catalog_name);
    read_system_symptoms(catalog_root, reader, symptoms);
    reader.source(site_name);
    read_system_symptoms(site_root, reader, symptoms);
    if (const toml::node* n = site_root.get("symptom")) {
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
}

}  // namespace detail

}  // namespace credwatch
