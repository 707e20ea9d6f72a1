#pragma once
// Errors as values inside the core: every fallible function returns Result<T>.
// Exceptions appear only at the edges (main, wx's OnExceptionInMainLoop).

#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace credwatch {

enum class Errc {
    invalid_argument,     // caller gave a value that cannot be used (bad date, bad id)
    not_found,            // unknown credential, missing file
    already_exists,       // duplicate id
    parse_error,          // malformed input (certificate, JSON, TOML, date)
    io_error,             // the OS refused a read or write
    crypto_error,         // OpenSSL failed on well-formed input
    password_missing,     // PKCS#12 needs a password and none was available
    password_wrong,       // PKCS#12 password did not open the file
    database_error,       // SQLite failed
    database_locked,      // SQLite stayed busy beyond the retry budget
    catalog_invalid,      // catalog or site configuration is not usable
    protocol_error,       // IPC message malformed or unknown
    unsupported_version,  // IPC protocol version not spoken here
    permission_denied,    // caller may not change this credential
    service_unavailable,  // no service answers on the IPC endpoint
    already_running,      // another service holds the data directory
    internal,             // a bug: should never be seen
};

std::string_view to_string(Errc code) noexcept;

struct Error {
    Errc code = Errc::internal;
    std::string message;  // names the input and the reason; never contains a secret
};

template <class T>
using Result = boost::system::result<T, Error>;
using Status = Result<void>;

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Thrown by Result::value() on an error, and caught at the program edges.
class CredwatchError : public std::runtime_error {
public:
    explicit CredwatchError(Error error)
        : std::runtime_error(error.message), error_(std::move(error)) {}
    const Error& error() const noexcept { return error_; }

private:
    Error error_;
};

// Found by boost::system::result through argument-dependent lookup.
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

}  // namespace credwatch
