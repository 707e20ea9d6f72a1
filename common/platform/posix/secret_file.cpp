// The SMTP password file on POSIX: plain text, readable by its owner only.

#include "credwatch/platform/secret_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace credwatch {

namespace {

std::string name_of(const std::filesystem::path& file) {
    return file.string();
}

// Removes a UTF-8 BOM and trailing CR/LF (an editor's or `echo`'s final newline). Spaces are
// kept: they may be part of a password.
std::string clean(std::string text) {
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

}  // namespace

Result<std::string> read_secret_file(const std::filesystem::path& file) {
    // O_NONBLOCK: a FIFO planted at the name does not hold the service waiting for a writer.
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT)
            return make_error(Errc::not_found,
                              fmt::format("password file {} does not exist", name_of(file)));
        if (err == ELOOP)
            return make_error(
                Errc::permission_denied,
                fmt::format("password file {} is a symbolic link: refused", name_of(file)));
        return make_error(err == EACCES ? Errc::permission_denied : Errc::io_error,
                          fmt::format("password file {} cannot be opened: {}", name_of(file),
                                      std::strerror(err)));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return make_error(Errc::io_error, fmt::format("password file {}: fstat failed: {}",
                                                      name_of(file), std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
        return make_error(Errc::permission_denied,
                          fmt::format("password file {} is not a regular file", name_of(file)));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return make_error(
            Errc::permission_denied,
            fmt::format("password file {} may be read by other accounts (mode {:04o}): refused; "
                        "make it readable by the service account only (chmod 600 {})",
                        name_of(file), st.st_mode & 07777, name_of(file)));
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::io_error, fmt::format("password file {} cannot be read: {}",
                                                          name_of(file), std::strerror(errno)));
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > 64 * 1024)
            return make_error(
                Errc::parse_error,
                fmt::format("password file {} is too large to be a password", name_of(file)));
    }
    return clean(std::move(text));
}

Status write_secret_file(const std::filesystem::path& file, std::string_view secret) {
    // A temporary file created 0600, then renamed over the old one: never readable by others,
    // never half written.
    const std::filesystem::path temp = file.string() + ".tmp";
    ::unlink(temp.c_str());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return make_error(errno == EACCES ? Errc::permission_denied : Errc::io_error,
                          fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
    std::string content(secret);
    content += '\n';
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            return make_error(Errc::io_error, fmt::format("cannot write {}: {}", temp.string(),
                                                          std::strerror(err)));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return make_error(Errc::io_error,
                          fmt::format("cannot write {}: {}", temp.string(), std::strerror(err)));
    }
    if (::rename(temp.c_str(), file.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return make_error(Errc::io_error,
                          fmt::format("cannot replace {}: {}", file.string(), std::strerror(err)));
    }
    return {};
}

}  // namespace credwatch
