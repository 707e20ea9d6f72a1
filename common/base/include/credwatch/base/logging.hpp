#pragma once
#include <filesystem>
#include <string_view>

namespace credwatch {

// Console (stderr) and, when log_dir is not empty, a rotating file in log_dir.
void init_logging(const std::filesystem::path& log_dir, bool console,
                  std::string_view level = "info");

// A failing OS or library call: logged with its name and error code.
void log_call_failure(std::string_view function, long long code, std::string_view detail);

}  // namespace credwatch
