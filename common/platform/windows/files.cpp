#include "credwatch/platform/files.hpp"

#include "credwatch/platform/platform.hpp"
#include "files_internal.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <system_error>

#include <windows.h>

namespace credwatch::platform {

using detail::read_error;
using detail::too_large;

Result<std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) return read_error(file, EISDIR);
    std::FILE* stream = ::_wfopen(file.c_str(), L"rb");
    if (stream == nullptr) return read_error(file, errno);
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(stream, &std::fclose);
    std::string content;
    std::array<char, 16384> buffer{};
    for (;;) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), stream);
        content.append(buffer.data(), n);
        if (content.size() > max_bytes) return too_large(file, max_bytes);
        if (n < buffer.size()) {
            if (std::ferror(stream) != 0) return read_error(file, EIO);
            break;
        }
    }
    return content;
}

Status detail::create_temporary(const std::filesystem::path&, FileAccess) {
    return {};  // the folder's inherited ACL applies
}

Status detail::replace_file(const std::filesystem::path& temp, const std::filesystem::path& file,
                            FileAccess) {
    if (!::MoveFileExW(temp.c_str(), file.c_str(),
                       MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        const DWORD err = ::GetLastError();
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        return make_error(Errc::io_error, fmt::format("cannot replace {}: MoveFileExW error {}",
                                                      to_utf8(file), err));
    }
    return {};
}

}  // namespace credwatch::platform
