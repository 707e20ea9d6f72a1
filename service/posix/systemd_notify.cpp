#include "systemd_notify.hpp"

#include "credwatch/platform/posix_symbols.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace credwatch {

namespace {

struct Libsystemd {
    decltype(&::sd_notify) notify = nullptr;
    decltype(&::sd_watchdog_enabled) watchdog_enabled = nullptr;
};

// libsystemd and what it loads (libgcrypt, libzstd, liblzma, liblz4, libcap: about 1 MB
// resident) only when systemd started the service, which NOTIFY_SOCKET says (sd_notify(3));
// without it sd_notify and sd_watchdog_enabled would do nothing anyway. Null: not under systemd.
const Libsystemd* libsystemd() {
    static const Libsystemd* const loaded = []() -> const Libsystemd* {
        if (!std::getenv("NOTIFY_SOCKET")) return nullptr;
        void* handle = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        static Libsystemd table;
        if (!handle || !platform::resolve_symbol(handle, "sd_notify", table.notify) ||
            !platform::resolve_symbol(handle, "sd_watchdog_enabled", table.watchdog_enabled)) {
            const char* reason = ::dlerror();
            spdlog::warn("systemd notifications are off: libsystemd.so.0 cannot be loaded ({})",
                         reason ? reason : "unknown reason");
            return nullptr;
        }
        return &table;
    }();
    return loaded;
}

void notify(std::string_view state) {
    const Libsystemd* systemd = libsystemd();
    if (!systemd) return;
    const std::string text(state);
    const int rc = systemd->notify(0, text.c_str());
    // rc == 0: not started by systemd; < 0: the socket refused it. Neither stops the service.
    if (rc < 0) spdlog::warn("systemd notification \"{}\" failed: {}", text, std::strerror(-rc));
}

}  // namespace

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io) : timer_(io) {}

void SystemdNotifier::ready() {
    notify("READY=1");
}

void SystemdNotifier::reloading() {
    notify("RELOADING=1");
}

void SystemdNotifier::stopping() {
    notify("STOPPING=1");
}

void SystemdNotifier::status(std::string_view text) {
    std::string line = "STATUS=";
    for (char c : text) line += c == '\n' ? ' ' : c;
    notify(line);
}

void SystemdNotifier::start_watchdog() {
    const Libsystemd* systemd = libsystemd();
    if (!systemd) return;
    std::uint64_t usec = 0;
    const int rc = systemd->watchdog_enabled(0, &usec);
    if (rc < 0) {
        spdlog::warn("systemd watchdog settings are invalid ({}); not sending pings",
                     std::strerror(-rc));
        return;
    }
    if (rc == 0 || usec == 0) return;
    interval_ = std::chrono::microseconds(usec / 2);
    spdlog::info("systemd watchdog: a ping every {} ms", interval_->count() / 1000);
    notify("WATCHDOG=1");
    schedule_ping();
}

void SystemdNotifier::stop_watchdog() {
    timer_.cancel();
}

void SystemdNotifier::schedule_ping() {
    timer_.expires_after(*interval_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        notify("WATCHDOG=1");
        schedule_ping();
    });
}

}  // namespace credwatch
