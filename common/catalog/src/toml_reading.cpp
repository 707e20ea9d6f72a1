// The catalog readers' shared TOML parsing and problem collector (toml_reading.hpp).

#include "toml_reading.hpp"

#include "toml_guard.hpp"

#include <algorithm>

namespace credwatch::detail {

namespace {

// The first line that is not UTF-8, or 0 when the text is UTF-8 (then toml++ takes over).
// Sites in Japan often save in Shift_JIS: say so plainly instead of a parser message.
Line first_non_utf8_line(std::string_view text) {
    Line line = 1;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') ++line;
        std::size_t extra = 0;
        if (c < 0x80)
            extra = 0;
        else if (c >= 0xC2 && c <= 0xDF)
            extra = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            extra = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            extra = 3;
        else
            return line;
        for (std::size_t k = 1; k <= extra; ++k) {
            if (i + k >= text.size()) return line;
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return line;
        }
        i += extra + 1;
    }
    return 0;
}

std::string_view strip_bom(std::string_view text) {
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    return text;
}

}  // namespace

// Quotes a name for a message; control characters become '?', so a message stays one line.
std::string q(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            out += '?';
        else if (c == '"')
            out += "\\\"";
        else
            out += c;
    }
    out += '"';
    return out;
}

Line line_of(const toml::node& node) {
    return node.source().begin.line;
}

void Diagnostics::add(std::string_view source, Line line, std::string_view context,
                      std::string_view message) {
    std::string text(source);
    if (line > 0) {
        text += ':';
        text += std::to_string(line);
    }
    text += ": ";
    if (!context.empty()) {
        text += context;
        text += ": ";
    }
    text += message;
    add_raw(source, line, std::move(text));
}

void Diagnostics::add_raw(std::string_view source, Line line, std::string text) {
    ++total_;
    if (entries_.size() >= kMaxReportedErrors) return;
    auto known = std::find(sources_.begin(), sources_.end(), source);
    const auto index = static_cast<std::size_t>(known - sources_.begin());
    if (known == sources_.end()) sources_.emplace_back(source);
    entries_.push_back({index, line, std::move(text)});
}

Error Diagnostics::error() const {
    auto sorted = entries_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) {
        return a.source_index != b.source_index ? a.source_index < b.source_index : a.line < b.line;
    });
    std::string text;
    for (const auto& e : sorted) {
        if (!text.empty()) text += '\n';
        text += e.text;
    }
    if (total_ > entries_.size())
        text += "\n(" + std::to_string(total_ - entries_.size()) + " more problems not shown)";
    return make_error(Errc::catalog_invalid, std::move(text));
}

std::optional<toml::table> parse_toml(std::string_view text, std::string_view source,
                                      Diagnostics& diag) {
    text = strip_bom(text);
    if (const Line bad = first_non_utf8_line(text)) {
        diag.add(source, bad, "",
                 "the file is not UTF-8 (save it as UTF-8, not Shift_JIS or another encoding)");
        return std::nullopt;
    }
    if (const Line bare = first_line_with_bare_non_ascii(text)) {
        diag.add(source, bare, "",
                 "a non-ASCII character outside a quoted string or a comment: TOML allows "
                 "them only there (put the key or the value in quotes)");
        return std::nullopt;
    }
    try {
        return toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        std::string message(source);
        message += ':' + std::to_string(where.line) + ':' + std::to_string(where.column) +
                   ": TOML syntax error: " + std::string(e.description());
        diag.add_raw(source, where.line, std::move(message));
        return std::nullopt;
    }
}

}  // namespace credwatch::detail
