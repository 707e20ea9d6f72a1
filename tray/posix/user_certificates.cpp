// POSIX: there are no per-user OS certificate stores; the user's own certificate files in
// ~/.credwatch/certificates (if that folder exists) are what the tray reports. Each
// certificate goes as its DER: the service reads it again itself and believes nothing else.

#include "credwatch/certs/certificate.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/notify/mail.hpp"
#include "credwatch/platform/folder_walk.hpp"
#include "credwatch/platform/platform.hpp"
#include "service_connection.hpp"

#include <algorithm>
#include <cstdlib>

namespace credwatch::tray {

Result<std::size_t> report_user_certificates(IpcClient& client) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) return std::size_t{0};
    const std::filesystem::path folder =
        std::filesystem::path(home) / ".credwatch" / "certificates";
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) return std::size_t{0};

    std::vector<platform::WalkedFile> files;
    std::vector<platform::WalkFailure> walk_failures;
    platform::walk_folder(
        platform::to_utf8(folder),
        [](std::string_view name) { return is_certificate_extension(platform::from_utf8(name)); },
        files, walk_failures);
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.location < b.location; });

    boost::json::array certs, failures;
    for (const auto& f : walk_failures)
        failures.push_back(to_json(ScanFailure{f.location, Errc::io_error, f.message}));
    for (const auto& file : files) {
        auto ders = read_certificate_file_der(platform::from_utf8(file.location));
        if (!ders) {
            failures.push_back(
                to_json(ScanFailure{file.location, ders.error().code, ders.error().message}));
            continue;
        }
        for (const auto& der : *ders)
            certs.push_back(boost::json::object{
                {"der", mail::base64(der)}, {"location", file.location}, {"source", "file"}});
    }
    const std::size_t reported = certs.size();
    // Reported even when empty: a certificate deleted from the folder leaves the inventory.
    auto reply = client.call("report_certificates", {{"certificates", std::move(certs)},
                                                     {"failures", std::move(failures)},
                                                     {"client", "tray"}});
    if (!reply) return reply.error();
    return reported;
}

}  // namespace credwatch::tray
