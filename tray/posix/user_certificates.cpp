// POSIX: there are no per-user OS certificate stores; the user's own certificate files in
// ~/.credwatch/certificates (if that folder exists) are what the tray reports.

#include "credwatch/certs/cert_store.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"
#include "service_connection.hpp"

#include <cstdlib>

namespace credwatch::tray {

Result<std::size_t> report_user_certificates(IpcClient& client) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) return std::size_t{0};
    const std::filesystem::path folder =
        std::filesystem::path(home) / ".credwatch" / "certificates";
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) return std::size_t{0};

    const std::string user = platform::current_user();
    auto stores = scan_user_stores(user);  // empty here; kept so both platforms read alike
    if (!stores) return stores.error();
    ScanResult scan = std::move(*stores);
    CertificateScanner scanner;
    ScanResult files = scanner.scan({folder}, user);
    for (auto& c : files.certificates) scan.certificates.push_back(std::move(c));
    for (auto& f : files.failures) scan.failures.push_back(std::move(f));

    boost::json::array certs, failures;
    for (const auto& c : scan.certificates) certs.push_back(to_json(c));
    for (const auto& f : scan.failures) failures.push_back(to_json(f));
    auto reply = client.call("report_certificates", {{"certificates", std::move(certs)},
                                                     {"failures", std::move(failures)},
                                                     {"client", "tray"}});
    if (!reply) return reply.error();
    return scan.certificates.size();
}

}  // namespace credwatch::tray
