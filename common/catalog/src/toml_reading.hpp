#pragma once
// What the catalog's readers (catalog.cpp, checks_config.cpp) share: TOML parsing that refuses
// what toml++ would misread, and the collector that reports every problem at once as
// "source:line: context: message". Internal to credwatch_catalog.

#include "credwatch/base/error.hpp"

#include <toml++/toml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::detail {

using Line = std::size_t;

inline constexpr std::size_t kMaxReportedErrors = 30;

// Quotes a name for a message; control characters become '?', so a message stays one line.
std::string q(std::string_view text);

Line line_of(const toml::node& node);

class Diagnostics {
  public:
    void add(std::string_view source, Line line, std::string_view context,
             std::string_view message);
    // A message already formatted (it names its own source and line).
    void add_raw(std::string_view source, Line line, std::string text);
    bool empty() const { return total_ == 0; }
    // Errc::catalog_invalid: one problem per line, file by file in the order they were read,
    // in line order within a file, then how many more were found beyond the cap.
    Error error() const;

  private:
    struct Entry {
        std::size_t source_index;
        Line line;
        std::string text;
    };
    std::vector<std::string> sources_;
    std::vector<Entry> entries_;
    std::size_t total_ = 0;
};

// Calls each(table, system_id) for every table of [[system.<key>]] in `root`, in order; an entry
// that is not a table, or a <key> not written [[system.<key>]], goes to
// fail(line, context, message). Systems without an id are skipped (the catalog reader reports
// them).
template <class Fail, class Each>
void for_each_system_table(const toml::table& root, std::string_view key, Fail&& fail,
                           Each&& each) {
    const auto* systems = root.get_as<toml::array>("system");
    if (!systems) return;
    const std::string written = "[[system." + std::string(key) + "]]";
    for (const auto& s : *systems) {
        const auto* st = s.as_table();
        const auto* id = st ? st->get_as<std::string>("id") : nullptr;
        if (!id) continue;
        const toml::node* list = st->get(key);
        if (!list) continue;
        const std::string context = "system " + q(id->get());
        const auto* array = list->as_array();
        if (!array) {
            fail(line_of(*list), context,
                 "\"" + std::string(key) + "\" must be written " + written);
            continue;
        }
        for (const auto& e : *array) {
            if (const auto* t = e.as_table())
                each(*t, id->get());
            else
                fail(line_of(e), context, "each " + written + " must be a table");
        }
    }
}

// The document, or nullopt with the problem in `diag`: not UTF-8, non-ASCII outside strings
// (toml_guard.hpp), or a TOML syntax error. A leading byte-order mark is skipped.
std::optional<toml::table> parse_toml(std::string_view text, std::string_view source,
                                      Diagnostics& diag);

}  // namespace credwatch::detail
