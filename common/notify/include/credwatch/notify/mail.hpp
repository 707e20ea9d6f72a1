#pragma once
// Internet mail messages (RFC 5322 + MIME) for the e-mail reminders: pure functions, no I/O.
// Japanese text goes in UTF-8: headers as RFC 2047 encoded words ("=?UTF-8?B?...?="), folded so
// that no header line exceeds 76 characters; the body as text/plain; charset=UTF-8 in base64,
// which every mail program and relay since the 1990s passes through unchanged.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"
#include "credwatch/domain/model.hpp"
#include "credwatch/notify/text.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::mail {

// "山田 太郎 <yamada@clinic.example.jp>" or "yamada@clinic.example.jp".
struct Address {
    std::string name;     // display name, UTF-8, may be empty
    std::string address;  // addr-spec: local@domain, ASCII
};

// Accepts `addr` or `Name <addr>` (the name optionally in double quotes). The address must be
// ASCII local@domain without spaces, quotes, angle brackets or control characters; the name
// must be valid UTF-8 without control characters. The message names the text and the reason.
[[nodiscard]] Result<Address> parse_address(std::string_view text);

// The header form of an address: the name as an encoded word when it is not plain ASCII
// (`=?UTF-8?B?5bGx55Sw?= <yamada@example.jp>`), quoted when it holds specials.
std::string format_address(const Address& address);

// RFC 2047 "B" encoded words for `utf8`, each at most 75 characters, never splitting a UTF-8
// sequence, separated by CRLF SP (a folded header). `first_line_used` is the number of
// characters already on the first line ("Subject: " = 9), so that it too stays within 76.
std::string encode_words(std::string_view utf8, std::size_t first_line_used = 0);

// One header field, "Name: value\r\n", folded to lines of at most 76 characters. The value is
// written as is when it is printable ASCII and fits; otherwise as encoded words.
std::string header(std::string_view name, std::string_view utf8_value);

// Base64 (RFC 4648, with padding), lines of `line_length` characters separated by CRLF when
// line_length > 0 (MIME bodies: 76).
std::string base64(std::string_view bytes, std::size_t line_length = 0);

// RFC 5322 date-time in the machine's local time zone: "Tue, 10 Mar 2026 21:00:00 +0900".
std::string rfc5322_date(TimePoint t);

// "<credwatch.42.1773144000@clinic.example.jp>": stable for one outbox row (its id and creation
// time), so that a message sent twice after a crash is recognisably the same message.
std::string message_id(std::int64_t outbox_id, TimePoint created_at, std::string_view from_address);

struct Message {
    Address from;
    std::vector<Address> to;
    std::string subject;  // UTF-8
    std::string body;     // UTF-8, lines separated by "\n" (or "\r\n")
    TimePoint date;
    std::string message_id;  // with the angle brackets, from message_id()
};

// The whole message as sent over SMTP: headers (Date, From, To, Subject, Message-ID,
// MIME-Version, Content-Type, Content-Transfer-Encoding, Auto-Submitted,
// X-Auto-Response-Suppress), a blank line, and the base64 body. Lines end in CRLF.
std::string build_message(const Message& message);

// What to do once the credential has been renewed, so that its reminders stop: the CLI
// command that records it (or, for a certificate, that the new one is found by itself).
std::string record_hint(Lang lang, std::string_view credential_id, std::optional<Rule> rule);

// The signature under every mail: sent automatically, from which machine, replies not read.
std::string footer(Lang lang, std::string_view host);

// One digest mail for the reminders of a day: a subject counting them and a body with each
// reminder's subject and text in turn.
struct DigestItem {
    std::string subject;
    std::string body;
};
ReminderText digest_text(const std::vector<DigestItem>& items, Lang lang, std::string_view host,
                         std::string_view organisation);

// The text of `credwatch test-mail`.
ReminderText test_text(Lang lang, std::string_view host, std::string_view organisation);

}  // namespace credwatch::mail
