// The platform-independent half of write_file_atomically: the temporary file beside the
// target. The rename over it is each platform's (posix/files.cpp, windows/files.cpp).

#include "credwatch/platform/files.hpp"

#include "credwatch/platform/platform.hpp"
#include "files_internal.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <system_error>

namespace credwatch::platform {

Error detail::read_error(const std::filesystem::path& file, int error_number) {
    const Errc code = error_number == ENOENT ? Errc::not_found : Errc::io_error;
    return make_error(code, fmt::format("{}: cannot read: {}", to_utf8(file),
                                        std::generic_category().message(error_number)));
}

Error detail::too_large(const std::filesystem::path& file, std::size_t max_bytes) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: too large: more than {} bytes", to_utf8(file), max_bytes));
}

namespace {
// Between the file's name and the reason in not_regular's message.
constexpr std::string_view kNotRead = ": not read: ";
}  // namespace

Error detail::not_regular(const std::filesystem::path& file, std::string_view what) {
    return make_error(Errc::skipped, fmt::format("{}{}{}", to_utf8(file), kNotRead, what));
}

std::string not_read_reason(const Error& error) {
    if (error.code != Errc::skipped) return {};
    // The last one: the file's name may hold the same text.
    const auto at = error.message.rfind(kNotRead);
    return at == std::string::npos ? std::string() : error.message.substr(at + kNotRead.size());
}

Status write_file_atomically(const std::filesystem::path& file, std::string_view content,
                             FileAccess access) {
    std::filesystem::path temp = file;
    temp += ".tmp";
    CW_TRY(detail::write_new_file(temp, content, access));
    return detail::replace_file(temp, file);
}

}  // namespace credwatch::platform
