#include "service_entry.hpp"

#include "systemd_notify.hpp"

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
    SystemdNotifier systemd(io);
    boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        spdlog::info("signal {} received: stopping", signal);
        systemd.stopping();
        systemd.stop_watchdog();
        core.stop();
        io.stop();
    });
    boost::asio::signal_set reload_signal(io, SIGHUP);
    std::function<void()> wait_reload = [&] {
        reload_signal.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            spdlog::info("SIGHUP received: reloading the configuration");
            systemd.reloading();
            (void)core.reload();
            systemd.ready();
            wait_reload();
        });
    };
    wait_reload();

    // Handlers first: the socket accepts clients during start(), and a signal then must not
    // take the default action. They run once io.run() begins.
    if (auto st = core.start(); !st) {
        spdlog::critical("credwatch-service cannot start: {}", st.error().message);
        std::cerr << "credwatch-service: " << st.error().message << "\n";
        systemd.status("cannot start: " + st.error().message);
        return st.error().code == Errc::already_running ? 3 : 1;
    }
    spdlog::info("credwatch-service ready (data directory {})", options.data_dir.string());
    // Only now: systemd orders dependants after READY=1, and the socket already listens.
    systemd.ready();
    systemd.status("evaluating every " +
                   std::to_string(core.configuration().service.evaluate_every_minutes) +
                   " minute(s)");
    systemd.start_watchdog();
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
