// Internet mail messages for the e-mail reminders (RFC 5322, MIME RFC 2045-2047).

#include "credwatch/notify/mail.hpp"

#include "credwatch/base/strings.hpp"

#include "credwatch/base/civil_time.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <ctime>

namespace credwatch::mail {

namespace {

constexpr std::size_t kMaxLine = 76;  // header lines, and base64 body lines
// "=?UTF-8?B?" + "?=": what an encoded word adds around its base64 text.
constexpr std::size_t kEncodedWordOverhead = 12;

// Length of the UTF-8 sequence starting with byte `c` (1 for a stray continuation byte).
std::size_t sequence_length(unsigned char c) {
    if (c < 0x80) return 1;
    if ((c >> 5) == 0x6) return 2;
    if ((c >> 4) == 0xE) return 3;
    if ((c >> 3) == 0x1E) return 4;
    return 1;
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = sequence_length(c);
        if (n == 1 && c >= 0x80) return false;
        if (i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

bool has_control(std::string_view s) {
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F) return true;
    }
    return false;
}

bool printable_ascii(std::string_view s) {
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7E) return false;
    }
    return true;
}

bool is_atext(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) != std::string_view::npos;
}

Status check_addr_spec(std::string_view addr, std::string_view text) {
    auto bad = [&](std::string_view why) -> Status {
        return make_error(Errc::invalid_argument,
                          fmt::format("\"{}\" is not an e-mail address: {}", text, why));
    };
    const auto at = addr.rfind('@');
    if (addr.empty()) return bad("the address is empty");
    if (at == std::string_view::npos) return bad("no @");
    const auto local = addr.substr(0, at);
    const auto domain = addr.substr(at + 1);
    if (local.empty()) return bad("nothing before the @");
    if (domain.empty()) return bad("no domain after the @");
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
        return bad("misplaced dot before the @");
    for (char ch : local)
        if (ch != '.' && !is_atext(ch))
            return bad("only ASCII letters, digits and !#$%&'*+-/=?^_`{|}~. may come before the @");
    if (domain.front() == '.' || domain.back() == '.' || domain.front() == '-' ||
        domain.find("..") != std::string_view::npos)
        return bad("the domain is malformed");
    for (char ch : domain) {
        const auto c = static_cast<unsigned char>(ch);
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-';
        if (!ok) return bad("the domain may hold only ASCII letters, digits, dots and hyphens");
    }
    return {};
}

// Greedy split of `utf8` into encoded words: the first at most `first_budget` characters, the
// others at most `budget`; a UTF-8 sequence is never split between two words.
std::vector<std::string> encoded_word_tokens(std::string_view utf8, std::size_t first_budget,
                                             std::size_t budget) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < utf8.size()) {
        const std::size_t limit = out.empty() ? first_budget : budget;
        // Largest byte count whose base64 (4 per 3 bytes, rounded up) fits the budget.
        const std::size_t b64 = limit > kEncodedWordOverhead ? limit - kEncodedWordOverhead : 0;
        std::size_t max_bytes = (b64 / 4) * 3;
        if (max_bytes < 4) max_bytes = 4;  // always room for one whole character
        std::size_t n = 0;
        while (i + n < utf8.size()) {
            const std::size_t len = std::min(
                sequence_length(static_cast<unsigned char>(utf8[i + n])), utf8.size() - i - n);
            if (n + len > max_bytes) break;
            n += len;
        }
        if (n == 0) n = std::min(utf8.size() - i, max_bytes);
        out.push_back("=?UTF-8?B?" + base64(utf8.substr(i, n)) + "?=");
        i += n;
    }
    return out;
}

// "Name:" followed by the tokens, separated by single spaces, folded (CRLF SP) before a token
// that would take the line past 76 characters.
std::string fold_tokens(std::string_view name, const std::vector<std::string>& tokens,
                        std::string_view separator_after_token = {}) {
    std::string out(name);
    out += ':';
    std::size_t line = out.size();
    for (std::size_t t = 0; t < tokens.size(); ++t) {
        std::string token = tokens[t];
        if (t + 1 < tokens.size()) token += separator_after_token;
        if (t > 0 && line + 1 + token.size() > kMaxLine) {
            out += "\r\n";
            line = 0;
        }
        out += ' ';
        out += token;
        line += 1 + token.size();
    }
    out += "\r\n";
    return out;
}

// ASCII text foldable at its spaces: single spaces only, no encoded-word look-alike, and no
// word too long for a line of its own.
bool foldable_ascii(std::string_view value, std::size_t first_budget,
                    std::vector<std::string>& words) {
    if (value.empty() || !printable_ascii(value) || value.find("=?") != std::string_view::npos ||
        value.front() == ' ' || value.back() == ' ' || value.find("  ") != std::string_view::npos)
        return false;
    words.clear();
    std::size_t start = 0;
    while (start <= value.size()) {
        auto end = value.find(' ', start);
        if (end == std::string_view::npos) end = value.size();
        words.emplace_back(value.substr(start, end - start));
        start = end + 1;
    }
    if (words.front().size() > first_budget) return false;
    for (const auto& w : words)
        if (w.size() > kMaxLine - 1) return false;
    return true;
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || at + 1 >= address.size()) return "credwatch.invalid";
    return std::string(address.substr(at + 1));
}

std::string crlf_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40 + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (ch == '\n') {
            out += "\r\n";
        } else {
            out += ch;
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

}  // namespace

Result<Address> parse_address(std::string_view text) {
    const std::string_view whole = trim(text, " \t");
    if (has_control(whole))
        return make_error(
            Errc::invalid_argument,
            fmt::format("\"{}\" is not an e-mail address: it holds a control character "
                        "or a line break",
                        whole));
    Address out;
    std::string_view addr = whole;
    if (const auto open = whole.find('<'); open != std::string_view::npos) {
        if (whole.back() != '>')
            return make_error(
                Errc::invalid_argument,
                fmt::format("\"{}\" is not an e-mail address: text after the '>'", whole));
        addr = whole.substr(open + 1, whole.size() - open - 2);
        std::string_view name = trim(whole.substr(0, open), " \t");
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
            name = name.substr(1, name.size() - 2);
        if (!valid_utf8(name))
            return make_error(Errc::invalid_argument,
                              fmt::format("the name in \"{}\" is not UTF-8", whole));
        out.name = std::string(name);
    }
    addr = trim(addr, " \t");
    if (auto st = check_addr_spec(addr, whole); !st) return st.error();
    out.address = std::string(addr);
    return out;
}

std::string format_address(const Address& a) {
    if (a.name.empty()) return a.address;
    if (printable_ascii(a.name)) {
        bool plain = true;
        for (char ch : a.name)
            if (!(is_atext(ch) || ch == ' ')) plain = false;
        if (plain && a.name.front() != ' ' && a.name.back() != ' ')
            return a.name + " <" + a.address + ">";
        std::string quoted = "\"";
        for (char ch : a.name) {
            if (ch == '"' || ch == '\\') quoted += '\\';
            quoted += ch;
        }
        return quoted + "\" <" + a.address + ">";
    }
    // Encoded words of at most 75 characters; the header writer folds between them.
    std::string words;
    for (const auto& w : encoded_word_tokens(a.name, 75, 75)) {
        if (!words.empty()) words += ' ';
        words += w;
    }
    return words + " <" + a.address + ">";
}

std::string encode_words(std::string_view utf8, std::size_t first_line_used) {
    const std::size_t first_budget = first_line_used < kMaxLine ? kMaxLine - first_line_used : 16;
    std::string out;
    for (const auto& w : encoded_word_tokens(utf8, first_budget, kMaxLine - 1)) {
        if (!out.empty()) out += "\r\n ";
        out += w;
    }
    return out;
}

std::string header(std::string_view name, std::string_view utf8_value) {
    const std::size_t first_budget = kMaxLine - name.size() - 2;  // "Name: "
    if (printable_ascii(utf8_value) && name.size() + 2 + utf8_value.size() <= kMaxLine &&
        utf8_value.find("=?") == std::string_view::npos)
        return std::string(name) + ": " + std::string(utf8_value) + "\r\n";
    std::vector<std::string> words;
    if (foldable_ascii(utf8_value, first_budget, words)) return fold_tokens(name, words);
    return fold_tokens(name, encoded_word_tokens(utf8_value, first_budget, kMaxLine - 1));
}

std::string base64(std::string_view bytes, std::size_t line_length) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4 + (line_length ? bytes.size() / line_length * 2 : 0));
    std::size_t column = 0;
    auto put = [&](char ch) {
        if (line_length && column == line_length) {
            out += "\r\n";
            column = 0;
        }
        out += ch;
        ++column;
    };
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v =
            (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
            (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
        put(kAlphabet[(v >> 18) & 63]);
        put(kAlphabet[(v >> 12) & 63]);
        put(kAlphabet[(v >> 6) & 63]);
        put(kAlphabet[v & 63]);
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        put(kAlphabet[(v >> 18) & 63]);
        put(kAlphabet[(v >> 12) & 63]);
        put(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
        put('=');
    }
    return out;
}

std::string rfc5322_date(TimePoint t) {
    using namespace std::chrono;
    static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto secs = floor<seconds>(t);
    const std::tm tm = local_tm(system_clock::to_time_t(secs));
    // The offset: the local wall-clock fields read as if they were UTC, minus the instant.
    const auto local_as_utc =
        sys_days{year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                 day{static_cast<unsigned>(tm.tm_mday)}} +
        hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
    const auto offset = duration_cast<minutes>(local_as_utc - secs).count();
    const long long magnitude = offset < 0 ? -offset : offset;
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} {}{:02}{:02}",
                       kDays.at(static_cast<std::size_t>(tm.tm_wday)), tm.tm_mday,
                       kMonths.at(static_cast<std::size_t>(tm.tm_mon)), tm.tm_year + 1900,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, offset < 0 ? '-' : '+', magnitude / 60,
                       magnitude % 60);
}

std::string message_id(std::int64_t outbox_id, TimePoint created_at,
                       std::string_view from_address) {
    const auto secs =
        std::chrono::floor<std::chrono::seconds>(created_at.time_since_epoch()).count();
    return fmt::format("<credwatch.{}.{}@{}>", outbox_id, secs, domain_of(from_address));
}

std::string build_message(const Message& m) {
    std::string out;
    out += "Date: " + rfc5322_date(m.date) + "\r\n";
    // From / To: one token per address (encoded words of a name are separate tokens), folded.
    auto address_tokens = [](const std::vector<Address>& list) {
        std::vector<std::string> tokens;
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string formatted = format_address(list[i]);
            std::size_t start = 0;
            std::vector<std::string> parts;
            while (start <= formatted.size()) {
                auto end = formatted.find(' ', start);
                if (end == std::string::npos) end = formatted.size();
                parts.push_back(formatted.substr(start, end - start));
                start = end + 1;
            }
            // A quoted name keeps its spaces: rejoin parts that are inside quotes.
            std::vector<std::string> merged;
            bool in_quotes = false;
            for (auto& p : parts) {
                if (in_quotes) {
                    merged.back() += " " + p;
                } else {
                    merged.push_back(p);
                }
                for (std::size_t k = 0; k < p.size(); ++k)
                    if (p[k] == '"' && (k == 0 || p[k - 1] != '\\')) in_quotes = !in_quotes;
            }
            if (i + 1 < list.size()) merged.back() += ",";
            for (auto& p : merged) tokens.push_back(std::move(p));
        }
        return tokens;
    };
    out += fold_tokens("From", address_tokens({m.from}));
    out += fold_tokens("To", address_tokens(m.to));
    out += header("Subject", m.subject);
    out += "Message-ID: " + m.message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n";
    // RFC 3834: machine-generated; auto-responders (vacation replies) must not answer it.
    out += "Auto-Submitted: auto-generated\r\n";
    out += "X-Auto-Response-Suppress: All\r\n";
    out += "\r\n";
    out += base64(crlf_lines(m.body), kMaxLine);
    out += "\r\n";
    return out;
}

std::string record_hint(Lang lang, std::string_view credential_id, std::optional<Rule> rule) {
    const bool ja = lang == Lang::ja;
    if (!rule) return {};
    const std::string id = escape_for_display(credential_id);  // a command line to copy
    switch (*rule) {
        case Rule::password_rotation:
            return ja ? fmt::format(
                            "\nパスワードを変更したら、credwatch に記録してください（記録するまで"
                            "お知らせが続きます）:\n  credwatch password-changed {}\n",
                            id)
                      : fmt::format(
                            "\nOnce the password is changed, record it in credwatch (the "
                            "reminders go on until then):\n  credwatch password-changed {}\n",
                            id);
        case Rule::document_age:
            return ja ? fmt::format(
                            "\n新しいファイルを取得したら、credwatch に記録してください:\n"
                            "  credwatch renewed {}\n",
                            id)
                      : fmt::format(
                            "\nOnce a new file is obtained, record it in credwatch:\n"
                            "  credwatch renewed {}\n",
                            id);
        case Rule::issuance_quota:
            return ja ? fmt::format(
                            "\n証明書を発行したら、credwatch に記録してください:\n"
                            "  credwatch issued {}\n",
                            id)
                      : fmt::format(
                            "\nWhen a certificate is issued, record it in credwatch:\n"
                            "  credwatch issued {}\n",
                            id);
        case Rule::certificate_validity:
            return ja ? std::string(
                            "\n新しい証明書をインストールすると credwatch が自動的に検出し、"
                            "お知らせは止まります\n（すぐに確認するには: credwatch rescan）。\n")
                      : std::string(
                            "\ncredwatch finds the new certificate by itself once it is "
                            "installed, and the\nreminders stop (to check at once: "
                            "credwatch rescan).\n");
    }
    return {};
}

std::string footer(Lang lang, std::string_view host) {
    if (lang == Lang::ja)
        return fmt::format(
            "\n-- \nこのメールは credwatch が端末 {} から自動送信しています。返信はできません。\n",
            host);
    return fmt::format(
        "\n-- \nThis message was sent automatically by credwatch on {}. Replies are not read.\n",
        host);
}

ReminderText digest_text(const std::vector<DigestItem>& items, Lang lang, std::string_view host,
                         std::string_view organisation) {
    const bool ja = lang == Lang::ja;
    ReminderText t;
    t.subject = ja ? fmt::format("[credwatch] 期限のお知らせ {}件（{}）", items.size(), host)
                   : fmt::format("[credwatch] {} deadline reminder{} ({})", items.size(),
                                 items.size() == 1 ? "" : "s", host);
    std::string body;
    if (!organisation.empty()) body += std::string(organisation) + "\n\n";
    body += ja ? fmt::format("端末 {} で、対応が必要な期限が {}件 あります。\n", host, items.size())
               : fmt::format("{} deadline(s) on {} need attention.\n", items.size(), host);
    for (const auto& item : items) body += "\n■ " + item.subject + "\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
        body += "\n============================================================\n";
        body += fmt::format("{}/{} {}\n\n", i + 1, items.size(), items[i].subject);
        body += items[i].body;
        if (!body.empty() && body.back() != '\n') body += '\n';
    }
    body += footer(lang, host);
    t.body = std::move(body);
    return t;
}

ReminderText test_text(Lang lang, std::string_view host, std::string_view organisation) {
    const bool ja = lang == Lang::ja;
    ReminderText t;
    t.subject = ja ? fmt::format("[credwatch] テストメール（{}）", host)
                   : fmt::format("[credwatch] Test message ({})", host);
    std::string body;
    if (!organisation.empty()) body += std::string(organisation) + "\n\n";
    body += ja ? "これは credwatch のメール設定を確認するためのテストメールです。\n"
                 "このメールが届いていれば、パスワードや証明書の期限のお知らせも\n"
                 "このアドレスに届きます。\n"
               : "This is a test message to check the e-mail settings of credwatch.\n"
                 "If it arrived, reminders of password and certificate deadlines will\n"
                 "arrive at this address too.\n";
    body += footer(lang, host);
    t.body = std::move(body);
    return t;
}

}  // namespace credwatch::mail
