#include "credwatch/platform/files.hpp"

#include "credwatch/platform/platform.hpp"
#include "credwatch/platform/win_util.hpp"
#include "file_kind.hpp"
#include "files_internal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <system_error>

#include <windows.h>

namespace credwatch::platform {

using detail::not_regular;
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

namespace {

int errno_of(DWORD err) {
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) return ENOENT;
    if (err == ERROR_ACCESS_DENIED || err == ERROR_SHARING_VIOLATION) return EACCES;
    return EIO;
}

}  // namespace

Result<std::string> read_regular_file(const std::filesystem::path& file, std::size_t max_bytes,
                                      Links links) {
    // FILE_FLAG_OPEN_REPARSE_POINT: a link or junction is opened itself, never what it names.
    const DWORD flags =
        FILE_ATTRIBUTE_NORMAL | (links == Links::refuse ? FILE_FLAG_OPEN_REPARSE_POINT : 0);
    win::UniqueHandle h(::CreateFileW(file.c_str(), GENERIC_READ,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                      nullptr, OPEN_EXISTING, flags, nullptr));
    if (!h) {
        const DWORD err = ::GetLastError();
        const DWORD attributes = ::GetFileAttributesW(file.c_str());
        if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0)
            return detail::not_regular(file, "a folder");
        return read_error(file, errno_of(err));
    }
    BY_HANDLE_FILE_INFORMATION info{};
    switch (detail::handle_kind(h.get(), info)) {
        case detail::HandleKind::regular:
            break;
        case detail::HandleKind::unexamined:
            return read_error(file, errno_of(::GetLastError()));
        case detail::HandleKind::device:
            return detail::not_regular(file, "a device");
        case detail::HandleKind::link:
            return detail::not_regular(file,
                                       "a symbolic link or junction (links are not followed)");
        case detail::HandleKind::folder:
            return detail::not_regular(file, "a folder");
    }
    const std::uint64_t size =
        (static_cast<std::uint64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
    if (size > max_bytes) return too_large(file, max_bytes);
    std::string content;
    std::array<char, 16384> buffer{};
    for (;;) {
        DWORD n = 0;
        if (!::ReadFile(h.get(), buffer.data(), static_cast<DWORD>(buffer.size()), &n, nullptr))
            return read_error(file, errno_of(::GetLastError()));
        if (n == 0) break;
        content.append(buffer.data(), n);
        if (content.size() > max_bytes) return too_large(file, max_bytes);
    }
    return content;
}

Status detail::write_new_file(const std::filesystem::path& temp, std::string_view content,
                              FileAccess) {
    // DeleteFileW removes a link itself, not its target; CREATE_NEW then fails on anything that
    // appeared at the name meanwhile instead of opening it.
    ::DeleteFileW(temp.c_str());
    win::UniqueHandle h(::CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                                      FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!h) {
        const DWORD err = ::GetLastError();
        return make_error(Errc::io_error,
                          fmt::format("cannot create {}: {}; check that the folder exists and the "
                                      "service may write to it",
                                      to_utf8(temp), win::error_text(err)));
    }
    std::size_t done = 0;
    while (done < content.size()) {
        const DWORD chunk =
            static_cast<DWORD>(std::min<std::size_t>(content.size() - done, 1U << 20));
        DWORD written = 0;
        if (!::WriteFile(h.get(), content.data() + done, chunk, &written, nullptr) ||
            written == 0) {
            const DWORD err = ::GetLastError();
            h.reset();
            ::DeleteFileW(temp.c_str());
            return make_error(Errc::io_error, fmt::format("cannot write {}: {}", to_utf8(temp),
                                                          win::error_text(err)));
        }
        done += written;
    }
    return {};
}

Status detail::replace_file(const std::filesystem::path& temp, const std::filesystem::path& file) {
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
