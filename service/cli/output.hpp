#pragma once
// Output of the CLI: padding by display width (a Japanese character takes two terminal columns),
// tables aligned that way, and JSON.

#include <boost/json/value.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::cli {

// Terminal columns of a UTF-8 string: East Asian wide and fullwidth characters count two (the
// same ranges as fmt's width computation, so that both pad alike), everything else one.
std::size_t display_width(std::string_view utf8);

// `text` followed by spaces up to `width` columns; unchanged when it is wider already.
std::string pad_right(std::string_view text, std::size_t width);

// Rows of cells printed in columns, each as wide as its widest cell, two spaces apart, no
// trailing spaces.
class Table {
  public:
    explicit Table(std::vector<std::string> header = {});
    void add_row(std::vector<std::string> cells);
    std::string render() const;

  private:
    std::vector<std::vector<std::string>> rows_;
};

// One JSON document on one line.
void print_json(std::ostream& out, const boost::json::value& value);

}  // namespace credwatch::cli
