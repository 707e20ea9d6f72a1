#pragma once
// How the service is started: signals on POSIX, the Service Control Manager on Windows
// (console mode when not started by the SCM). One implementation per platform folder.

#include "service_core.hpp"

namespace credwatch {

// Runs until stopped; returns the process exit code.
int run_service(const ServiceOptions& options);

}  // namespace credwatch
