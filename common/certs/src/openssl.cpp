// OpenSSL set-up: providers (default and legacy), digests, and the error queue as text.

#include "certificate_parts.hpp"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch {

namespace detail {

// ---------------------------------------------------------------------------------------------
// OpenSSL errors

bool is_truncation(unsigned long code) {
    if (ERR_GET_LIB(code) != ERR_LIB_ASN1) return false;
    const int reason = ERR_GET_REASON(code);
    return reason == ASN1_R_HEADER_TOO_LONG || reason == ASN1_R_TOO_LONG ||
           reason == ASN1_R_NOT_ENOUGH_DATA;
}

bool is_unsupported(unsigned long code) {
    const int reason = ERR_GET_REASON(code);
    return reason == ERR_R_UNSUPPORTED ||
           (ERR_GET_LIB(code) == ERR_LIB_EVP &&
            (reason == EVP_R_UNSUPPORTED_ALGORITHM || reason == EVP_R_UNSUPPORTED_CIPHER ||
             reason == EVP_R_UNKNOWN_CIPHER));
}

OpensslErrors drain_openssl_errors() {
    OpensslErrors errors;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        std::array<char, 256> buffer{};
        ERR_error_string_n(code, buffer.data(), buffer.size());
        if (!errors.text.empty()) errors.text += "; ";
        errors.text += buffer.data();
        if (errors.reason.empty()) {
            const char* reason = ERR_reason_error_string(code);
            errors.reason = reason != nullptr ? reason : buffer.data();
        }
        errors.truncated = errors.truncated || is_truncation(code);
        errors.unsupported = errors.unsupported || is_unsupported(code);
    }
    return errors;
}

void log_openssl_errors(const char* function, std::string_view name, const OpensslErrors& errors) {
    spdlog::warn("{}: OpenSSL {} failed: {}", name, function,
                 errors.text.empty() ? std::string("no error queued") : errors.text);
}

OpensslErrors log_openssl_failure(const char* function, std::string_view name) {
    OpensslErrors errors = drain_openssl_errors();
    log_openssl_errors(function, name, errors);
    return errors;
}

std::string with_reason(std::string_view what, const OpensslErrors& errors) {
    if (errors.reason.empty()) return std::string(what);
    return fmt::format("{} ({})", what, errors.reason);
}

// ---------------------------------------------------------------------------------------------
// Providers and digests

struct Providers {
    ossl::ProviderPtr default_provider;
    ossl::ProviderPtr legacy_provider;
};

Providers load_providers() {
    Providers providers;
    providers.default_provider.reset(OSSL_PROVIDER_load(nullptr, "default"));
    if (!providers.default_provider) log_openssl_failure("OSSL_PROVIDER_load(default)", "openssl");
    providers.legacy_provider.reset(OSSL_PROVIDER_load(nullptr, "legacy"));
    if (!providers.legacy_provider) {
        const OpensslErrors errors = drain_openssl_errors();
        spdlog::warn(
            "OpenSSL OSSL_PROVIDER_load(legacy) failed: {}; PKCS#12 files encrypted with RC2 or "
            "3DES cannot be opened",
            errors.text.empty() ? std::string("no error queued") : errors.text);
    }
    return providers;
}

const Digests& digests() {
    static const Digests instance = [] {
        load_openssl_providers();
        Digests d;
        d.sha1_fetched.reset(EVP_MD_fetch(nullptr, "SHA1", nullptr));
        d.sha256_fetched.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
        if (!d.sha1_fetched || !d.sha256_fetched) log_openssl_failure("EVP_MD_fetch", "openssl");
        d.sha1 = d.sha1_fetched ? d.sha1_fetched.get() : EVP_sha1();
        d.sha256 = d.sha256_fetched ? d.sha256_fetched.get() : EVP_sha256();
        return d;
    }();
    return instance;
}

}  // namespace detail

bool load_openssl_providers() {
    static const detail::Providers providers = detail::load_providers();
    return providers.legacy_provider != nullptr;
}

}  // namespace credwatch
