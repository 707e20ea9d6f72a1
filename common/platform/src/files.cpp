// The platform-independent half of write_file_atomically: the temporary file beside the
// target. The rename over it is each platform's (posix/files.cpp, windows/files.cpp).

#include "credwatch/platform/files.hpp"

#include "credwatch/platform/platform.hpp"
#include "files_internal.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
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

Status write_file_atomically(const std::filesystem::path& file, std::string_view content,
                             FileAccess access) {
    std::filesystem::path temp = file;
    temp += ".tmp";
    if (access == FileAccess::owner_only) CW_TRY(detail::create_temporary(temp, access));
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            return make_error(Errc::io_error, fmt::format("cannot create {}: check that the folder "
                                                          "exists and the service may write to it",
                                                          to_utf8(temp)));
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.flush();
        if (!out) {
            out.close();
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            return make_error(Errc::io_error, fmt::format("cannot write {}", to_utf8(temp)));
        }
    }
    return detail::replace_file(temp, file, access);
}

}  // namespace credwatch::platform
