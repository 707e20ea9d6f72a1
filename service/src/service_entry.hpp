#pragma once
// How the service is started: signals on POSIX, the Service Control Manager on Windows
// (console mode when not started by the SCM). One implementation per platform folder.

#include "service_core.hpp"

#include <string>

namespace credwatch {

// Runs until stopped; returns the process exit code.
int run_service(const ServiceOptions& options);

// `credwatch-service install|uninstall`: registration with the Windows Service Control Manager
// (and the event log source). Other platforms: "not supported on this platform", exit code 2.
int run_service_command(const std::string& command, const ServiceOptions& options);

}  // namespace credwatch
