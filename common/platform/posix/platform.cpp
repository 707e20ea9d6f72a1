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
#include <mutex>

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

Status restrict_data_directory(const std::filesystem::path& data_dir) {
    // 0711: the group of the socket reaches DATA_DIR/credwatch.sock by its path (the socket's
    // own mode 0660 decides who may connect), nobody but the owner can list the directory, and
    // every file in it is owner-only. An existing directory only loses permissions.
    std::error_code ec;
    if (data_dir.has_parent_path()) std::filesystem::create_directories(data_dir.parent_path(), ec);
    const bool created = ::mkdir(data_dir.c_str(), 0700) == 0;
    if (!created && errno != EEXIST) {
        int err = errno;
        return make_error(Errc::io_error, fmt::format("cannot create the data directory {}: {}",
                                                      data_dir.string(), std::strerror(err)));
    }
    struct stat st {};
    if (::stat(data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return make_error(Errc::io_error, fmt::format("the data directory {} is not a directory",
                                                      data_dir.string()));
    }
    const mode_t mode = st.st_mode & 07777;
    const mode_t wanted = created ? mode_t{0711} : mode & ~mode_t{0066};
    if (mode != wanted && ::chmod(data_dir.c_str(), wanted) != 0) {
        int err = errno;
        return make_error(Errc::io_error,
                          fmt::format("cannot restrict the data directory {} to mode {:04o}: {}",
                                      data_dir.string(), wanted, std::strerror(err)));
    }
    return {};
}

namespace {
// The umask is per process: guards on several threads share one saved value, so that the last
// one to end, not the first, gives the caller's umask back.
std::mutex g_umask_mutex;
int g_umask_guards = 0;
mode_t g_saved_umask = 022;
}  // namespace

OwnerOnlyCreation::OwnerOnlyCreation() {
    std::lock_guard lock(g_umask_mutex);
    if (g_umask_guards++ == 0) g_saved_umask = ::umask(077);
}

OwnerOnlyCreation::~OwnerOnlyCreation() {
    std::lock_guard lock(g_umask_mutex);
    if (--g_umask_guards == 0) ::umask(g_saved_umask);
}

Status restrict_file_to_owner(const std::filesystem::path& file) {
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0) return {};  // not there (yet)
    if (!S_ISREG(st.st_mode)) {
        return make_error(Errc::io_error, fmt::format("{} is not a regular file", file.string()));
    }
    const mode_t mode = st.st_mode & 07777;
    if ((mode & 0077) == 0) return {};
    if (::chmod(file.c_str(), mode & 0700) != 0) {
        int err = errno;
        return make_error(Errc::io_error, fmt::format("cannot restrict {} to its owner: {}",
                                                      file.string(), std::strerror(err)));
    }
    spdlog::info("{}: mode {:04o} restricted to {:04o} (owner only)", file.string(), mode,
                 mode & 0700);
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
    {
        OwnerOnlyCreation owner_only;
        handle->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    }
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
    // A lock file left 0644 by an older version: owner only, like the database.
    if (struct stat st{}; ::fstat(handle->fd, &st) == 0 && (st.st_mode & 0077) != 0)
        ::fchmod(handle->fd, st.st_mode & 0700);
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
