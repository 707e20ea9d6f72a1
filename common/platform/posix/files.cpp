#include "credwatch/platform/files.hpp"

#include "credwatch/platform/platform.hpp"
#include "file_kind.hpp"
#include "files_internal.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace credwatch::platform {

using detail::kind_of;
using detail::not_regular;
using detail::read_error;
using detail::too_large;

namespace {

struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};

// Reads the open `fd` whose fstat is `st` to the end, never more than `max_bytes`.
Result<std::string> read_open_file(int fd, const struct stat& st, const std::filesystem::path& file,
                                   std::size_t max_bytes) {
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

}  // namespace

Result<std::string> read_file(const std::filesystem::path& file, std::size_t max_bytes) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return read_error(file, errno);
    const FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return read_error(file, errno);
    if (S_ISDIR(st.st_mode)) return read_error(file, EISDIR);
    return read_open_file(fd, st, file, max_bytes);
}

Result<std::string> read_regular_file(const std::filesystem::path& file, std::size_t max_bytes,
                                      Links links) {
    // O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOFOLLOW: a link is ELOOP.
    const int flags =
        O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (links == Links::refuse ? O_NOFOLLOW : 0);
    const int fd = ::open(file.c_str(), flags);
    if (fd < 0) {
        const int err = errno;
        if (err == ELOOP && links == Links::refuse) {
            struct stat st {};
            if (::lstat(file.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
                return not_regular(file, kind_of(st.st_mode));
        }
        // A FIFO, socket or device that refuses to open is still not a file to read.
        struct stat st {};
        if (::stat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
            return not_regular(file, kind_of(st.st_mode));
        return read_error(file, err);
    }
    const FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return read_error(file, errno);
    if (!S_ISREG(st.st_mode)) return not_regular(file, kind_of(st.st_mode));
    return read_open_file(fd, st, file, max_bytes);
}

Status detail::write_new_file(const std::filesystem::path& temp, std::string_view content,
                              FileAccess access) {
    const auto failed = [&](const char* what, int err) {
        return make_error(Errc::io_error,
                          fmt::format("cannot {} {}: {}{}", what, to_utf8(temp),
                                      std::generic_category().message(err),
                                      err == EACCES || err == ENOENT
                                          ? "; check that the folder exists and the service may "
                                            "write to it"
                                          : ""));
    };
    if (::unlink(temp.c_str()) != 0 && errno != ENOENT) return failed("remove the old", errno);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return failed("create", errno);
    std::size_t done = 0;
    int err = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    // On the descriptor, not the name: the name may be replaced meanwhile.
    const mode_t mode = access == FileAccess::owner_only ? 0600 : 0644;
    if (err == 0 && ::fchmod(fd, mode) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) {
        ::unlink(temp.c_str());
        return failed("write", err);
    }
    return {};
}

Status detail::replace_file(const std::filesystem::path& temp, const std::filesystem::path& file) {
    std::error_code ec;
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
