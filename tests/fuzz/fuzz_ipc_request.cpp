// One IPC request line through the real dispatcher: ServiceCore::handle_line on a service
// started once per process on a temporary data directory (real SQLite store, the embedded
// catalog and site file, a fixed ManualClock). The first byte chooses the peer: even, the
// privileged administrator; odd, a staff member. The rest is the line as the server passes it.
// Every reply must be one '\n'-terminated line, whatever came in.

#include "service_core.hpp"

#include "credwatch/notify/system_log.hpp"
#include "fuzz_support.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

using namespace credwatch;
namespace fs = std::filesystem;

namespace {

struct Service {
    fs::path dir;
    boost::asio::io_context io;
    ManualClock clock{std::chrono::sys_days{std::chrono::year{2026} / 3 / 10} +
                      std::chrono::hours(3)};
    std::unique_ptr<ServiceCore> core;

    Service() {
        std::string pattern = (fs::temp_directory_path() / "cw-fuzz-ipc-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) std::abort();
        dir = pattern;
        ServiceOptions options;
        options.data_dir = dir;
        options.system_log = make_null_system_log();
        core = std::make_unique<ServiceCore>(io, std::move(options), clock);
        if (!core->start()) std::abort();
    }
    ~Service() {
        core->stop();
        core.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::silence_logging();
    static Service service;
    if (size == 0) return 0;
    static const Peer administrator{"root", true, {}};
    static const Peer staff{"suzuki", false, {}};
    const Peer& peer = (data[0] & 1) == 0 ? administrator : staff;
    HandlerReply reply = service.core->handle_line(fuzz::as_text(data + 1, size - 1), peer);
    if (reply.deferred) {
        // rescan answers once its scan ran on the worker: run the io_context until it has.
        std::optional<HandlerReply> later;
        reply.deferred([&later](HandlerReply r) { later = std::move(r); });
        service.io.restart();
        while (!later && service.io.run_one() > 0) {
        }
        if (!later) __builtin_trap();  // a deferred reply that never comes
        reply = std::move(*later);
    }
    if (reply.line.empty() || reply.line.back() != '\n' ||
        reply.line.find('\n') != reply.line.size() - 1) {
        __builtin_trap();
    }
    return 0;
}
