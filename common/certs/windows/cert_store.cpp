// Windows certificate stores through CryptoAPI: credwatch/cert_store.hpp.

#include "credwatch/certs/cert_store.hpp"

#include "credwatch/platform/win_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <string>
#include <vector>

namespace credwatch {

namespace {

struct StoreSpec {
    const wchar_t* name;  // CryptoAPI system store name
    const char* display;  // how it appears in FoundCertificate::location
};

// Calls `certificate` with each certificate's store name and DER; a store that cannot be
// opened goes to `failures`.
void enumerate_stores(DWORD location_flag, const char* location_name,
                      std::initializer_list<StoreSpec> stores,
                      const std::function<void(const std::string&, std::string_view)>& certificate,
                      std::vector<ScanFailure>& failures) {
    for (const auto& spec : stores) {
        std::string location = fmt::format("{}\\{}", location_name, spec.display);
        win::UniqueCertStore store(::CertOpenStore(
            CERT_STORE_PROV_SYSTEM_W, 0, 0,
            location_flag | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG, spec.name));
        if (!store) {
            DWORD err = ::GetLastError();
            if (err == ERROR_FILE_NOT_FOUND)
                continue;  // the store does not exist here: nothing in it
            failures.push_back(
                {location, Errc::io_error,
                 fmt::format("CertOpenStore failed: {} (error {})", win::error_text(err), err)});
            spdlog::warn("CertOpenStore({}) failed: error {} ({})", location, err,
                         win::error_text(err));
            continue;
        }
        PCCERT_CONTEXT ctx = nullptr;
        // CertEnumCertificatesInStore frees the previous context it is given.
        while ((ctx = ::CertEnumCertificatesInStore(store.get(), ctx)) != nullptr)
            certificate(location,
                        std::string_view(reinterpret_cast<const char*>(ctx->pbCertEncoded),
                                         ctx->cbCertEncoded));
    }
}

ScanResult scan_stores(DWORD location_flag, const char* location_name,
                       std::initializer_list<StoreSpec> stores, const std::string& owner) {
    ScanResult result;
    enumerate_stores(
        location_flag, location_name, stores,
        [&](const std::string& location, std::string_view der) {
            ++result.files_examined;
            ++result.files_parsed;
            auto info = describe_der(der);
            if (!info) {
                result.failures.push_back({location, info.error().code, info.error().message});
                return;
            }
            result.certificates.push_back(
                FoundCertificate{location, "store", owner, std::move(*info)});
        },
        result.failures);
    return result;
}

}  // namespace

Result<ScanResult> scan_machine_stores() {
    return scan_stores(CERT_SYSTEM_STORE_LOCAL_MACHINE, "LocalMachine",
                       {{L"MY", "My"}, {L"Root", "Root"}, {L"CA", "CA"}}, "machine");
}

Result<StoreCertificates> read_user_stores() {
    StoreCertificates result;
    enumerate_stores(
        CERT_SYSTEM_STORE_CURRENT_USER, "CurrentUser", {{L"MY", "My"}, {L"Root", "Root"}},
        [&](const std::string& location, std::string_view der) {
            result.certificates.push_back({location, "store", std::string(der)});
        },
        result.failures);
    return result;
}

}  // namespace credwatch
