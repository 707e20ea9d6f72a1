#include "credwatch/base/strings.hpp"

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

std::string path_to_utf8(const std::filesystem::path& path) {
    const std::u8string text = path.u8string();
    return std::string(reinterpret_cast<const char*>(text.data()), text.size());
}

}  // namespace credwatch
