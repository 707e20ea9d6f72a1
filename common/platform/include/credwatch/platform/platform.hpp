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

// Called by the service on its data directory after creating it. Windows: a protected DACL
// (SYSTEM, Administrators and the service's own account: full control; Users: read), so that
// only the service and administrators can change the database. POSIX: nothing (the directory's
// mode comes from the package / systemd StateDirectory; the socket has its own mode).
[[nodiscard]] Status restrict_data_directory(const std::filesystem::path& data_dir);

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
