#pragma once
// Small platform interface; implementations in common/platform/posix and common/platform/windows.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace credwatch::platform {

// The logged-on user's name ("yamada"), UTF-8.
std::string current_user();

// This machine's name (host name; Windows: the DNS host name), UTF-8; "unknown" when the OS
// does not say. The default site identity of the metrics.
std::string machine_name();

// /var/lib/credwatch, or %ProgramData%\credwatch.
std::filesystem::path default_data_dir();

// Unix socket path or named pipe name serving the service that owns data_dir.
std::string ipc_endpoint(const std::filesystem::path& data_dir);

// UTF-8 <-> native path; Japanese folder names must survive both ways.
std::string to_utf8(const std::filesystem::path& path);
std::filesystem::path from_utf8(std::string_view text);

// The program's arguments as UTF-8. Windows: taken from GetCommandLineW (argv is in the ANSI
// code page, which cannot hold a Japanese path), and console output is switched to UTF-8.
// POSIX: argv as it is.
std::vector<std::string> utf8_arguments(int argc, char** argv);

[[nodiscard]] Result<TimePoint> modification_time(const std::filesystem::path& path);

// Creates the data directory when missing and restricts it; called by the service and by
// `configure` before anything is written into it. An error means the directory must not be used.
// Windows: created in one call with owner Administrators and a protected DACL (SYSTEM,
// Administrators and the service's own account: full control, inherited; nobody else: staff
// talk over the pipe). An existing directory owned by anyone else is taken over (owner and DACL
// reset, event-log warning) or refused; a reparse point or foreign-owned content is refused.
// POSIX: created 0711; read and write bits of group and others are removed from an existing one
// (the socket inside is reached by path; every file in it is owner-only).
[[nodiscard]] Status restrict_data_directory(const std::filesystem::path& data_dir);

// While alive, files this process creates get no group or other permissions (POSIX: umask 077,
// restored afterwards; the umask is per process, so hold it only around a creation at start).
// Windows: nothing (the data directory's inherited DACL decides).
class OwnerOnlyCreation {
  public:
    OwnerOnlyCreation();
    ~OwnerOnlyCreation();
    OwnerOnlyCreation(const OwnerOnlyCreation&) = delete;
    OwnerOnlyCreation& operator=(const OwnerOnlyCreation&) = delete;
};

// POSIX: an existing file loses its group and other permissions (a file left 0644 by an older
// version); a missing file is fine. Windows: nothing.
[[nodiscard]] Status restrict_file_to_owner(const std::filesystem::path& file);

// Held while a service owns a data directory; a second service is refused.
class InstanceLock {
  public:
    [[nodiscard]] static Result<std::unique_ptr<InstanceLock>> acquire(
        const std::filesystem::path& data_dir);
    ~InstanceLock();
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;

  private:
    InstanceLock() = default;
    struct Handle;
    std::unique_ptr<Handle> handle_;
};

// A client's line-oriented connection to the service.
class Transport {
  public:
    virtual ~Transport() = default;
    [[nodiscard]] virtual Status write(std::string_view bytes) = 0;
    // One line without its '\n'; Errc::io_error on timeout or a closed connection.
    [[nodiscard]] virtual Result<std::string> read_line(std::chrono::milliseconds timeout) = 0;
    // Whether a complete line or EOF can be read without blocking, waiting up to `timeout`.
    virtual bool wait_readable(std::chrono::milliseconds timeout) = 0;
};

// Errc::service_unavailable when nothing listens at the endpoint.
[[nodiscard]] Result<std::unique_ptr<Transport>> connect(const std::string& endpoint,
                                                         std::chrono::milliseconds timeout);

}  // namespace credwatch::platform
