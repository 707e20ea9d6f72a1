#include "start_service.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace credwatch::tray {

StartRequest start_service() {
    StartRequest request;
    request.command = "sudo systemctl start credwatch";
    // pkexec shows polkit's own password dialog; the tray never sees the password.
    const char* argv[] = {"pkexec", "systemctl", "start", "credwatch.service", nullptr};
    pid_t pid = 0;
    const int rc =
        ::posix_spawnp(&pid, "pkexec", nullptr, nullptr, const_cast<char* const*>(argv), environ);
    if (rc != 0) {
        request.error = std::string("pkexec: ") + std::strerror(rc);
        return request;
    }
    request.launched = true;
    // Reaped when it ends (SIGCHLD is not ours to change); a later launch reaps earlier ones.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    return request;
}

}  // namespace credwatch::tray
