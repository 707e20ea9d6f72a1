#include "output.hpp"

#include "credwatch/base/strings.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <ostream>

namespace credwatch::cli {

namespace {

bool is_wide(std::uint32_t cp) {
    return cp >= 0x1100 && (cp <= 0x115f ||                  // Hangul Jamo initial consonants
                            cp == 0x2329 || cp == 0x232a ||  // angle brackets
                            (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||  // CJK ... Yi, kana
                            (cp >= 0xac00 && cp <= 0xd7a3) ||                  // Hangul syllables
                            (cp >= 0xf900 && cp <= 0xfaff) ||  // CJK compatibility ideographs
                            (cp >= 0xfe10 && cp <= 0xfe19) ||  // vertical forms
                            (cp >= 0xfe30 && cp <= 0xfe6f) ||  // CJK compatibility forms
                            (cp >= 0xff00 && cp <= 0xff60) ||  // fullwidth forms
                            (cp >= 0xffe0 && cp <= 0xffe6) ||  // fullwidth signs
                            (cp >= 0x20000 && cp <= 0x2fffd) || (cp >= 0x30000 && cp <= 0x3fffd) ||
                            (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff));
}

}  // namespace

std::size_t display_width(std::string_view utf8) {
    std::size_t width = 0;
    std::size_t i = 0;
    while (i < utf8.size()) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        std::size_t length = 1;
        std::uint32_t cp = lead;
        if (lead >= 0xf0) {
            length = 4;
            cp = lead & 0x07u;
        } else if (lead >= 0xe0) {
            length = 3;
            cp = lead & 0x0fu;
        } else if (lead >= 0xc0) {
            length = 2;
            cp = lead & 0x1fu;
        }
        if (i + length > utf8.size()) length = 1;  // truncated sequence: one column per byte
        for (std::size_t k = 1; k < length; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3fu);
        width += length > 1 && is_wide(cp) ? 2 : 1;
        i += length;
    }
    return width;
}

std::string pad_right(std::string_view text, std::size_t width) {
    std::string out(text);
    const std::size_t used = display_width(text);
    if (used < width) out.append(width - used, ' ');
    return out;
}

Table::Table(std::vector<std::string> header) {
    if (!header.empty()) rows_.push_back(std::move(header));
}

void Table::add_row(std::vector<std::string> cells) {
    // Ids, labels and owners come from other users: a control character must not reach the
    // terminal.
    for (auto& cell : cells) cell = escape_for_display(cell);
    rows_.push_back(std::move(cells));
}

std::string Table::render() const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (std::size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], display_width(row[c]));
    }
    std::string out;
    for (const auto& row : rows_) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c > 0) line += "  ";
            line += c + 1 < row.size() ? pad_right(row[c], widths[c]) : row[c];
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line;
        out += '\n';
    }
    return out;
}

void print_json(std::ostream& out, const boost::json::value& value) {
    out << boost::json::serialize(value) << "\n";
}

}  // namespace credwatch::cli
