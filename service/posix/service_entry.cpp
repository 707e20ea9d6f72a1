#include "service_entry.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <iostream>

namespace credwatch {

int run_service(const ServiceOptions& options) {
    boost::asio::io_context io(1);
    SystemClock clock;
    ServiceCore core(io, options, clock);
    boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        spdlog::info("signal {} received: stopping", signal);
        core.stop();
        io.stop();
    });
    boost::asio::signal_set reload_signal(io, SIGHUP);
    std::function<void()> wait_reload = [&] {
        reload_signal.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            spdlog::info("SIGHUP received: reloading the configuration");
            (void)core.reload();
            wait_reload();
        });
    };
    wait_reload();

    // Handlers first: the socket accepts clients during start(), and a signal then must not
    // take the default action. They run once io.run() begins.
    if (auto st = core.start(); !st) {
        spdlog::critical("credwatch-service cannot start: {}", st.error().message);
        std::cerr << "credwatch-service: " << st.error().message << "\n";
        return st.error().code == Errc::already_running ? 3 : 1;
    }
    spdlog::info("credwatch-service ready (data directory {})", options.data_dir.string());
    io.run();
    spdlog::info("credwatch-service stopped");
    return 0;
}

int run_service_command(const std::string& command, const ServiceOptions&) {
    std::cerr << "credwatch-service: " << command
              << " is not supported on this platform (use the systemd unit in the package)\n";
    return 2;
}

}  // namespace credwatch
