#pragma once
// Sending one message over SMTP with libcurl: STARTTLS, implicit TLS (SMTPS) or a plain relay
// on a closed network; AUTH when a user name is configured. Blocking: the service calls it on a
// worker thread, never on its io_context.

#include "credwatch/base/error.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

enum class SmtpSecurity {
    starttls,  // smtp://host:587, STARTTLS required (CURLUSESSL_ALL)
    implicit,  // smtps://host:465, TLS from the first byte
    none,      // smtp://host:25, no TLS: a relay on a closed network only
};

// "starttls" / "implicit" / "none".
std::string_view to_string(SmtpSecurity security) noexcept;
std::optional<SmtpSecurity> smtp_security_from_string(std::string_view text) noexcept;
// 587, 465, 25.
int default_smtp_port(SmtpSecurity security) noexcept;

struct SmtpOptions {
    std::string host;
    int port = 0;  // 0: default_smtp_port(security)
    SmtpSecurity security = SmtpSecurity::starttls;
    std::string username;  // empty: no AUTH
    std::string password;  // a secret: never logged, never in an error message
    std::string ca_file;   // PEM bundle; empty: the system's trust store
    bool verify_tls = true;
    std::chrono::seconds connect_timeout{20};
    std::chrono::seconds timeout{60};  // the whole conversation
    // Checked during the transfer; when it becomes true the transfer is abandoned (shutdown).
    const std::atomic<bool>* cancel = nullptr;
};

// Sends `message` (a complete RFC 5322 message with CRLF line ends, as mail::build_message
// makes it) from `envelope_from` to every address of `recipients`. Errc::io_error with curl's
// reason and the server's reply when the server refuses or cannot be reached; the password
// never appears in it.
[[nodiscard]] Status smtp_send(const SmtpOptions& options, std::string_view envelope_from,
                               const std::vector<std::string>& recipients,
                               std::string_view message);

}  // namespace credwatch
