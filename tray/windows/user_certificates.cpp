// Windows: the logged-on user's CurrentUser\My and CurrentUser\Root stores (read by
// common/certs/windows/cert_store.cpp), reported to the service, which runs as LocalSystem and
// cannot see them.

#include "credwatch/certs/cert_store.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"
#include "service_connection.hpp"

namespace credwatch::tray {

Result<std::size_t> report_user_certificates(IpcClient& client) {
    auto scan = scan_user_stores(platform::current_user());
    if (!scan) return scan.error();
    boost::json::array certs, failures;
    for (const auto& c : scan->certificates) certs.push_back(to_json(c));
    for (const auto& f : scan->failures) failures.push_back(to_json(f));
    // Reported even when empty: a certificate deleted from the store leaves the inventory.
    auto reply = client.call("report_certificates", {{"certificates", std::move(certs)},
                                                     {"failures", std::move(failures)},
                                                     {"client", "tray"}});
    if (!reply) return reply.error();
    return scan->certificates.size();
}

}  // namespace credwatch::tray
