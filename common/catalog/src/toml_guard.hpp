#pragma once
// toml++ 3.3 (Debian 12) reaches __builtin_unreachable in is_non_ascii_horizontal_whitespace()
// for most non-ASCII code points it meets where it looks for whitespace, i.e. outside strings
// (found by the catalog fuzz target; tests/fuzz/regressions/catalog). TOML allows non-ASCII
// text only in strings and comments, so such a document is refused before toml++ sees it.

#include <cstddef>
#include <string_view>

namespace credwatch::detail {

// The 1-based line of the first non-ASCII character outside strings and comments, or of a
// line-ending backslash in a multi-line string followed by non-ASCII text; 0 when there is none.
inline std::size_t first_line_with_bare_non_ascii(std::string_view text) {
    enum class In { plain, comment, basic, literal, multi_basic, multi_literal };
    In in = In::plain;
    std::size_t line = 1;
    // A leading byte-order mark is not content (toml++ and the readers skip it).
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    const auto starts = [&](std::size_t i, std::string_view what) {
        return text.substr(i, what.size()) == what;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool non_ascii = static_cast<unsigned char>(c) >= 0x80;
        if (c == '\n') ++line;
        switch (in) {
            case In::plain:
                if (non_ascii) return line;
                if (c == '#') {
                    in = In::comment;
                } else if (starts(i, R"(""")")) {
                    in = In::multi_basic;
                    i += 2;
                } else if (starts(i, "'''")) {
                    in = In::multi_literal;
                    i += 2;
                } else if (c == '"') {
                    in = In::basic;
                } else if (c == '\'') {
                    in = In::literal;
                }
                break;
            case In::comment:
                if (c == '\n') in = In::plain;
                break;
            case In::basic:
                if (c == '\\') {
                    if (i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80)
                        return line;
                    ++i;
                } else if (c == '"' || c == '\n') {
                    in = In::plain;
                }
                break;
            case In::literal:
                if (c == '\'' || c == '\n') in = In::plain;
                break;
            case In::multi_basic:
                if (c == '\\') {
                    // A line-ending backslash: toml++ skips the whitespace after it.
                    std::size_t j = i + 1;
                    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' ||
                                               text[j] == '\r' || text[j] == '\n'))
                        ++j;
                    if (j < text.size() && static_cast<unsigned char>(text[j]) >= 0x80) return line;
                    if (i + 1 < text.size() && text[i + 1] != '\n') ++i;
                } else if (starts(i, R"(""")")) {
                    in = In::plain;
                    i += 2;
                }
                break;
            case In::multi_literal:
                if (starts(i, "'''")) {
                    in = In::plain;
                    i += 2;
                }
                break;
        }
    }
    return 0;
}

}  // namespace credwatch::detail
