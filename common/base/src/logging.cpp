#include "credwatch/base/logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace credwatch {

void init_logging(const std::filesystem::path& log_dir, bool console, std::string_view level) {
    std::vector<spdlog::sink_ptr> sinks;
    if (console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!log_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(log_dir, ec);
        constexpr std::size_t kFileBytes = 5 * 1024 * 1024;
        sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
            (log_dir / "credwatch.log").string(), kFileBytes, 5));
    }
    auto logger = std::make_shared<spdlog::logger>("credwatch", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::from_str(std::string(level)));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

void log_call_failure(std::string_view function, long long code, std::string_view detail) {
    spdlog::error("{} failed with error {}: {}", function, code, detail);
}

}  // namespace credwatch
