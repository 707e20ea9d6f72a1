#pragma once
// Errors as values inside the core: every fallible function returns Result<T>.
// Exceptions appear only at the edges (main, wx's OnExceptionInMainLoop).

#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

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
    disk_full,            // the disk holding a file is full (SQLITE_FULL, ENOSPC)
    read_only,            // the folder or its medium is read-only (SQLITE_READONLY, EROFS)
    skipped,              // left alone on purpose: a link, a FIFO, a device; a walk limit
    internal,             // a bug: should never be seen (stays the last value)
};

std::string_view to_string(Errc code) noexcept;

struct Error {
    Errc code = Errc::internal;
    std::string message;  // names the input and the reason; never contains a secret
};

template <class T>
using Result = boost::system::result<T, Error>;
using Status = Result<void>;

inline Error make_error(Errc code, std::string message) {
    return Error{code, std::move(message)};
}

// Early return of an error, for functions that return a Result or Status:
//   CW_TRY(expr);               evaluates expr (a Result<T> or Status) and returns its error;
//   CW_TRY_ASSIGN(var, expr);   declares `auto var` holding the value of expr, or returns its
//                               error. Expands to several statements: not for an unbraced if.
// The returned Error converts to whatever Result the enclosing function returns.
#define CW_TRY_CONCAT_(a, b) a##b
#define CW_TRY_CONCAT(a, b) CW_TRY_CONCAT_(a, b)
#define CW_TRY(expr)                                        \
    do {                                                    \
        auto&& cw_try_result_ = (expr);                     \
        if (!cw_try_result_) return cw_try_result_.error(); \
    } while (false)
#define CW_TRY_ASSIGN_(tmp, var, expr) \
    auto tmp = (expr);                 \
    if (!tmp) return tmp.error();      \
    auto var = std::move(*tmp)
#define CW_TRY_ASSIGN(var, expr) CW_TRY_ASSIGN_(CW_TRY_CONCAT(cw_try_, __LINE__), var, expr)

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
