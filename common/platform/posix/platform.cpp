#include "credwatch/platform/platform.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace credwatch::platform {

std::string machine_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown";
    return name;
}

std::string current_user() {
    if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return pw->pw_name;
    return std::to_string(geteuid());
}

std::filesystem::path default_data_dir() {
    return "/var/lib/credwatch";
}

std::string ipc_endpoint(const std::filesystem::path& data_dir) {
    return (data_dir / "credwatch.sock").string();
}

std::string to_utf8(const std::filesystem::path& path) {
    return path.string();
}
std::filesystem::path from_utf8(std::string_view text) {
    return std::filesystem::path(text);
}

std::vector<std::string> utf8_arguments(int argc, char** argv) {
    return {argv, argv + argc};
}

Result<TimePoint> modification_time(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return make_error(Errc::io_error,
                          fmt::format("{}: {}", path.string(), std::strerror(errno)));
    }
    return TimePoint{std::chrono::seconds{st.st_mtim.tv_sec} +
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(
                         std::chrono::nanoseconds{st.st_mtim.tv_nsec})};
}

Status restrict_data_directory(const std::filesystem::path&) {
    return {};
}

struct InstanceLock::Handle {
    int fd = -1;
    ~Handle() {
        if (fd >= 0) ::close(fd);
    }
};

InstanceLock::~InstanceLock() = default;

Result<std::unique_ptr<InstanceLock>> InstanceLock::acquire(const std::filesystem::path& data_dir) {
    auto path = data_dir / "credwatch.lock";
    auto handle = std::make_unique<Handle>();
    handle->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (handle->fd < 0) {
        int err = errno;
        spdlog::error("open({}) failed: errno {} ({})", path.string(), err, std::strerror(err));
        return make_error(Errc::io_error, fmt::format("cannot open the lock file {}: {}",
                                                      path.string(), std::strerror(err)));
    }
    if (::flock(handle->fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err == EWOULDBLOCK) {
            return make_error(
                Errc::already_running,
                fmt::format("another credwatch service is already running on the data "
                            "directory {}",
                            data_dir.string()));
        }
        spdlog::error("flock({}) failed: errno {} ({})", path.string(), err, std::strerror(err));
        return make_error(Errc::io_error,
                          fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
    }
    // The PID helps a person who finds the file; the lock itself is what counts.
    if (::ftruncate(handle->fd, 0) == 0) {
        auto pid = std::to_string(::getpid()) + "\n";
        [[maybe_unused]] auto n = ::write(handle->fd, pid.data(), pid.size());
    }
    auto lock = std::unique_ptr<InstanceLock>(new InstanceLock());
    lock->handle_ = std::move(handle);
    return lock;
}

}  // namespace credwatch::platform
