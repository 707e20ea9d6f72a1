#include "credwatch/base/strings.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace credwatch {

namespace {

template <class Part>
std::string join_parts(std::span<const Part> parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i != 0) out += separator;
        out += parts[i];
    }
    return out;
}

}  // namespace

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    return join_parts(std::span<const std::string>(parts), separator);
}

std::string join(std::span<const std::string_view> parts, std::string_view separator) {
    return join_parts(parts, separator);
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto pos = text.find(separator);
        out.emplace_back(text.substr(0, pos));
        if (pos == std::string_view::npos) break;
        text.remove_prefix(pos + 1);
    }
    return out;
}

std::string_view trim(std::string_view text, std::string_view blanks) {
    const auto begin = text.find_first_not_of(blanks);
    if (begin == std::string_view::npos) return {};
    const auto end = text.find_last_not_of(blanks);
    return text.substr(begin, end - begin + 1);
}

namespace {

// The length of the well-formed UTF-8 sequence at the start of `text` and its code point, or
// 0 when it is not one (overlong forms, surrogates and values past U+10FFFF included).
std::size_t utf8_sequence(std::string_view text, std::uint32_t& cp) {
    const auto lead = static_cast<unsigned char>(text[0]);
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead < 0x80) {
        cp = lead;
        return 1;
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        cp = lead & 0x1fu;
        min = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        cp = lead & 0x0fu;
        min = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        cp = lead & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (text.size() < length) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[k]);
        if ((next & 0xc0u) != 0x80u) return 0;
        cp = (cp << 6) | (next & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return length;
}

bool hidden_or_misleading(std::uint32_t cp) {
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string escape_for_display(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        std::uint32_t cp = 0;
        const std::size_t length = utf8_sequence(text, cp);
        if (length == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[0]));
            text.remove_prefix(1);
            continue;
        }
        if (!hidden_or_misleading(cp))
            out.append(text.substr(0, length));
        else if (cp < 0x80)
            out += fmt::format("\\x{:02x}", cp);
        else
            out += fmt::format("\\u{:04x}", cp);
        text.remove_prefix(length);
    }
    return out;
}

std::string truncate_utf8(std::string text, std::size_t max_bytes) {
    constexpr std::string_view kEllipsis = "…";
    if (text.size() <= max_bytes) return text;
    std::size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
    // Back to the first byte of a character (continuation bytes are 10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    return text + std::string(kEllipsis);
}

std::string path_to_utf8(const std::filesystem::path& path) {
    const std::u8string text = path.u8string();
    return std::string(reinterpret_cast<const char*>(text.data()), text.size());
}

}  // namespace credwatch
