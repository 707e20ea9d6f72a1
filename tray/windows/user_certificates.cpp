// Windows: the logged-on user's CurrentUser\My and CurrentUser\Root stores (read by
// common/certs/windows/cert_store.cpp), reported to the service, which runs as LocalSystem and
// cannot see them. Each certificate goes as its DER (pbCertEncoded): the service parses it
// itself and believes nothing else the tray could say about it.

#include "credwatch/certs/cert_store.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/notify/mail.hpp"
#include "service_connection.hpp"

namespace credwatch::tray {

Result<std::size_t> report_user_certificates(IpcClient& client) {
    auto stores = read_user_stores();
    if (!stores) return stores.error();
    boost::json::array certs, failures;
    for (const auto& c : stores->certificates)
        certs.push_back(boost::json::object{
            {"der", mail::base64(c.der)}, {"location", c.location}, {"source", c.source}});
    for (const auto& f : stores->failures) failures.push_back(to_json(f));
    // Reported even when empty: a certificate deleted from the store leaves the inventory.
    auto reply = client.call("report_certificates", {{"certificates", std::move(certs)},
                                                     {"failures", std::move(failures)},
                                                     {"client", "tray"}});
    if (!reply) return reply.error();
    return stores->certificates.size();
}

}  // namespace credwatch::tray
