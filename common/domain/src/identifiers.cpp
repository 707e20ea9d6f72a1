#include "credwatch/domain/identifiers.hpp"

#include "credwatch/base/strings.hpp"

#include <fmt/format.h>

namespace credwatch {

namespace {

bool is_id_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/' || c == '@' || c == '+';
}

bool is_separator(char c) {
    return c == '/' || c == '\\';
}

Error invalid(std::string_view what, std::string_view reason) {
    return make_error(Errc::invalid_argument, fmt::format("{} {}", what, reason));
}

Status check_length(std::string_view text, std::size_t max, std::string_view what) {
    if (text.size() > max)
        return invalid(what, fmt::format("must be at most {} bytes (found {})", max, text.size()));
    return {};
}

}  // namespace

Status check_credential_id(std::string_view id, std::string_view what) {
    if (id.empty()) return invalid(what, "is empty");
    CW_TRY(check_length(id, kMaxCredentialIdBytes, what));
    for (std::size_t i = 0; i < id.size(); ++i)
        if (!is_id_character(id[i]))
            return invalid(what, fmt::format("may only use ASCII letters, digits and - _ . / @ + "
                                             "(found \"{}\": \"{}\" at byte {})",
                                             escape_for_display(id),
                                             escape_for_display(id.substr(i, 1)), i + 1));
    return {};
}

Status check_label(std::string_view text, std::string_view what) {
    CW_TRY(check_length(text, kMaxLabelBytes, what));
    if (escape_for_display(text) != text)
        return invalid(what, fmt::format("must be UTF-8 text without control characters "
                                         "(found \"{}\")",
                                         escape_for_display(text)));
    return {};
}

Status check_local_path(std::string_view path, std::string_view what) {
    if (path.empty()) return invalid(what, "is empty");
    CW_TRY(check_length(path, kMaxDocumentPathBytes, what));
    const std::string shown = escape_for_display(path);
    if (shown != path)
        return invalid(what,
                       fmt::format("must not contain control characters (found \"{}\")", shown));
    if (path.size() >= 2 && is_separator(path[0]) && is_separator(path[1])) {
        const std::string_view rest = path.substr(2);
        const bool device = rest.starts_with("?") || rest.starts_with(".");
        return invalid(what,
                       fmt::format("must be a file on this machine, not a {} path (found \"{}\")",
                                   device ? "device or namespace" : "network", shown));
    }
    if (path.starts_with("\\??\\"))
        return invalid(what, fmt::format("must be a file on this machine, not a device or "
                                         "namespace path (found \"{}\")",
                                         shown));
    const bool posix_absolute = path[0] == '/';
    const bool drive_absolute =
        path.size() >= 3 &&
        ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) &&
        path[1] == ':' && is_separator(path[2]);
    if (!posix_absolute && !drive_absolute)
        return invalid(what, fmt::format("must be an absolute path (found \"{}\")", shown));
    return {};
}

}  // namespace credwatch
