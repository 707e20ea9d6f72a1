#include "credwatch/base/error.hpp"

namespace credwatch {

std::string_view to_string(Errc code) noexcept {
    switch (code) {
        case Errc::invalid_argument:
            return "invalid_argument";
        case Errc::not_found:
            return "not_found";
        case Errc::already_exists:
            return "already_exists";
        case Errc::parse_error:
            return "parse_error";
        case Errc::io_error:
            return "io_error";
        case Errc::crypto_error:
            return "crypto_error";
        case Errc::password_missing:
            return "password_missing";
        case Errc::password_wrong:
            return "password_wrong";
        case Errc::database_error:
            return "database_error";
        case Errc::database_locked:
            return "database_locked";
        case Errc::catalog_invalid:
            return "catalog_invalid";
        case Errc::protocol_error:
            return "protocol_error";
        case Errc::unsupported_version:
            return "unsupported_version";
        case Errc::permission_denied:
            return "permission_denied";
        case Errc::service_unavailable:
            return "service_unavailable";
        case Errc::already_running:
            return "already_running";
        case Errc::disk_full:
            return "disk_full";
        case Errc::read_only:
            return "read_only";
        case Errc::skipped:
            return "skipped";
        case Errc::internal:
            return "internal";
    }
    return "internal";
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
    throw CredwatchError(error);
}

}  // namespace credwatch
