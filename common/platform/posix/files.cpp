#include "credwatch/platform/files.hpp"

#include "credwatch/platform/platform.hpp"
#include "files_internal.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace credwatch::platform {

using detail::read_error;
using detail::too_large;

Result<std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return read_error(file, errno);
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return read_error(file, errno);
    if (S_ISDIR(st.st_mode)) return read_error(file, EISDIR);
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_large(file, max_bytes);
    // One read for the expected size, then more if the file grew meanwhile.
    std::string content;
    content.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t used = 0;
    for (;;) {
        if (used == content.size()) {
            if (content.size() > max_bytes) return too_large(file, max_bytes);
            content.resize(content.size() * 2);
        }
        const ssize_t n = ::read(fd, content.data() + used, content.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return read_error(file, errno);
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    if (used > max_bytes) return too_large(file, max_bytes);
    content.resize(used);
    return content;
}

Status detail::create_temporary(const std::filesystem::path& temp, FileAccess access) {
    const mode_t mode = access == FileAccess::owner_only ? 0600 : 0644;
    const int fd =
        ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0 || ::fchmod(fd, mode) != 0) {
        const int error_number = errno;
        if (fd >= 0) ::close(fd);
        return make_error(Errc::io_error,
                          fmt::format("cannot create {}: {}", to_utf8(temp),
                                      std::generic_category().message(error_number)));
    }
    ::close(fd);
    return {};
}

Status detail::replace_file(const std::filesystem::path& temp, const std::filesystem::path& file,
                            FileAccess access) {
    std::error_code ec;
    using std::filesystem::perms;
    std::filesystem::permissions(
        temp,
        access == FileAccess::owner_only
            ? perms::owner_read | perms::owner_write
            : perms::owner_read | perms::owner_write | perms::group_read | perms::others_read,
        ec);
    std::filesystem::rename(temp, file, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        return make_error(Errc::io_error,
                          fmt::format("cannot replace {}: {}", to_utf8(file), ec.message()));
    }
    return {};
}

}  // namespace credwatch::platform
