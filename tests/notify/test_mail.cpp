// Mail messages: RFC 2047 encoded words, folding, base64 bodies, addresses, dates.

#include "credwatch/notify/mail.hpp"
#include "credwatch/notify/text.hpp"

#include "text_checks.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace credwatch;
using namespace credwatch::test;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// 2026-03-10 12:00 UTC = 21:00 in Tokyo (the tests run with TZ=Asia/Tokyo).
const TimePoint kStart = sys_days{2026y / March / 10} + 12h;

std::string decode_base64(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value(c);
        if (v < 0) continue;  // line breaks, padding
        buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

// The encoded words of a folded header value, decoded and concatenated (RFC 2047: the white
// space between two encoded words is not part of the text).
std::string decode_header_value(const std::string& value) {
    std::string out;
    std::size_t pos = 0;
    while ((pos = value.find("=?UTF-8?B?", pos)) != std::string::npos) {
        const auto end = value.find("?=", pos + 10);
        out += decode_base64(value.substr(pos + 10, end - pos - 10));
        pos = end + 2;
    }
    return out;
}

}  // namespace

TEST(Base64, KnownVectors) {
    EXPECT_EQ(mail::base64(""), "");
    EXPECT_EQ(mail::base64("f"), "Zg==");
    EXPECT_EQ(mail::base64("fo"), "Zm8=");
    EXPECT_EQ(mail::base64("foo"), "Zm9v");
    EXPECT_EQ(mail::base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(mail::base64("テスト"), "44OG44K544OI");
}

TEST(Base64, LinesOf76) {
    const std::string text(200, 'x');
    const std::string encoded = mail::base64(text, 76);
    auto lines = crlf_lines(encoded);
    ASSERT_GT(lines.size(), 1u);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 76u);
    EXPECT_EQ(decode_base64(encoded), text);
}

TEST(EncodedWords, AKnownJapaneseSubject) {
    EXPECT_EQ(mail::header("Subject", "テスト"), "Subject: =?UTF-8?B?44OG44K544OI?=\r\n");
    EXPECT_EQ(mail::encode_words("期限"), "=?UTF-8?B?5pyf6ZmQ?=");
}

TEST(EncodedWords, PlainAsciiStaysReadable) {
    EXPECT_EQ(mail::header("Subject", "[credwatch] Test message (vm)"),
              "Subject: [credwatch] Test message (vm)\r\n");
    // Text that looks like an encoded word is encoded, so that it is not decoded by mistake.
    EXPECT_EQ(mail::header("Subject", "=?x?="), "Subject: =?UTF-8?B?PT94Pz0=?=\r\n");
}

TEST(EncodedWords, LongAsciiFoldsAtSpaces) {
    const std::string subject =
        "[credwatch] Cancer registry online system User password: expires in 14 days "
        "(deadline 2026-03-24)";
    const std::string h = mail::header("Subject", subject);
    auto lines = crlf_lines(h);
    ASSERT_GE(lines.size(), 2u);
    std::string unfolded;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_LE(lines[i].size(), 76u) << lines[i];
        if (i > 0) {
            EXPECT_EQ(lines[i].front(), ' ');
        }
        unfolded += lines[i];
    }
    EXPECT_EQ(unfolded, "Subject: " + subject);
}

TEST(EncodedWords, LongJapaneseSubjectIsFoldedWithoutSplittingACharacter) {
    const std::string subject =
        "[credwatch] テスト病院 がん登録オンラインシステム 利用者パスワード："
        "期限まであと14日です（期限 2026-03-24）🏥";
    const std::string h = mail::header("Subject", subject);
    ASSERT_EQ(h.substr(0, 9), "Subject: ");
    ASSERT_EQ(h.substr(h.size() - 2), "\r\n");
    auto lines = crlf_lines(h);
    ASSERT_GE(lines.size(), 3u);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_LE(lines[i].size(), 76u) << "line " << i << ": " << lines[i];
        if (i > 0) {
            EXPECT_EQ(lines[i].substr(0, 11), " =?UTF-8?B?") << lines[i];
        }
    }
    // Every word decodes to whole characters on its own, and together to the subject.
    std::size_t pos = 0;
    while ((pos = h.find("=?UTF-8?B?", pos)) != std::string::npos) {
        const auto end = h.find("?=", pos + 10);
        EXPECT_LE(end + 2 - pos, 75u);
        EXPECT_TRUE(valid_utf8(decode_base64(h.substr(pos + 10, end - pos - 10))));
        pos = end + 2;
    }
    EXPECT_EQ(decode_header_value(h.substr(9)), subject);
}

TEST(EncodedWords, FirstLineBudget) {
    const std::string text(120, 'a');  // one ASCII "word" too long for a line: encoded
    const std::string words = mail::encode_words(text + "あ", 9);
    auto lines = crlf_lines(words);
    ASSERT_GE(lines.size(), 2u);
    EXPECT_LE(lines[0].size() + 9, 76u);
    EXPECT_EQ(decode_header_value(words), text + "あ");
}

TEST(Addresses, Parse) {
    auto a = mail::parse_address("yamada@clinic.example.jp");
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->name, "");
    EXPECT_EQ(a->address, "yamada@clinic.example.jp");

    auto b = mail::parse_address("  山田 太郎 <yamada@clinic.example.jp> ");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->name, "山田 太郎");
    EXPECT_EQ(b->address, "yamada@clinic.example.jp");

    auto c = mail::parse_address("\"Registry, Staff\" <registry+reminders@clinic.example.jp>");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->name, "Registry, Staff");
    EXPECT_EQ(c->address, "registry+reminders@clinic.example.jp");
}

TEST(Addresses, RefusedWithAReason) {
    for (const char* bad :
         {"", "yamada", "yamada@", "@example.jp", "山田@example.jp", "a b@example.jp",
          "yamada@exa mple.jp", "x <yamada@example.jp",
          "yamada@example.jp\r\nBcc: evil@example.com", "a..b@example.jp", "yamada@example..jp"}) {
        auto r = mail::parse_address(bad);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_EQ(r.error().code, Errc::invalid_argument);
            EXPECT_NE(r.error().message.find("not an e-mail address"), std::string::npos)
                << r.error().message;
        }
    }
}

TEST(Addresses, Format) {
    EXPECT_EQ(mail::format_address({"", "a@example.jp"}), "a@example.jp");
    EXPECT_EQ(mail::format_address({"Registry Staff", "a@example.jp"}),
              "Registry Staff <a@example.jp>");
    EXPECT_EQ(mail::format_address({"Registry, \"Staff\"", "a@example.jp"}),
              "\"Registry, \\\"Staff\\\"\" <a@example.jp>");
    EXPECT_EQ(mail::format_address({"テスト", "a@example.jp"}),
              "=?UTF-8?B?44OG44K544OI?= <a@example.jp>");
}

TEST(Dates, Rfc5322InLocalTime) {
    EXPECT_EQ(mail::rfc5322_date(kStart), "Tue, 10 Mar 2026 21:00:00 +0900");
    EXPECT_EQ(mail::rfc5322_date(kStart + 3h + 5min + 7s), "Wed, 11 Mar 2026 00:05:07 +0900");
}

TEST(MessageIds, StablePerOutboxRow) {
    EXPECT_EQ(mail::message_id(42, kStart, "credwatch@clinic.example.jp"),
              "<credwatch.42.1773144000@clinic.example.jp>");
    EXPECT_EQ(mail::message_id(42, kStart, "credwatch@clinic.example.jp"),
              mail::message_id(42, kStart, "credwatch@clinic.example.jp"));
    EXPECT_NE(mail::message_id(43, kStart, "credwatch@clinic.example.jp"),
              mail::message_id(42, kStart, "credwatch@clinic.example.jp"));
}

TEST(Messages, HeadersAndBase64Body) {
    mail::Message m;
    m.from = {"credwatch 通知", "credwatch@clinic.example.jp"};
    m.to = {{"情報システム 担当", "it@clinic.example.jp"}, {"", "registry@clinic.example.jp"}};
    m.subject = "[credwatch] がん登録オンラインシステム 利用者パスワード：期限まであと14日です";
    m.body =
        "テスト病院\n\nURL: https://mio.intra.ccr.ncc.go.jp/ikss/\nコールセンター: 03-3545-1511\n";
    m.date = kStart;
    m.message_id = mail::message_id(7, kStart, m.from.address);
    const std::string message = mail::build_message(m);

    const auto separator = message.find("\r\n\r\n");
    ASSERT_NE(separator, std::string::npos);
    const std::string head = message.substr(0, separator + 2);
    const std::string body = message.substr(separator + 4);
    // CRLF only, and no line longer than 76 characters.
    for (std::size_t i = 0; i < message.size(); ++i)
        if (message[i] == '\n') {
            ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
        }
    for (const auto& line : crlf_lines(message)) EXPECT_LE(line.size(), 76u) << line;

    for (const char* h :
         {"Date: Tue, 10 Mar 2026 21:00:00 +0900\r\n",
          "Message-ID: <credwatch.7.1773144000@clinic.example.jp>\r\n", "MIME-Version: 1.0\r\n",
          "Content-Type: text/plain; charset=UTF-8\r\n", "Content-Transfer-Encoding: base64\r\n",
          "Auto-Submitted: auto-generated\r\n"})
        EXPECT_NE(head.find(h), std::string::npos) << h << "\nin:\n" << head;
    EXPECT_NE(head.find("From: =?UTF-8?B?"), std::string::npos);
    EXPECT_NE(head.find("<credwatch@clinic.example.jp>"), std::string::npos);
    EXPECT_NE(head.find("<it@clinic.example.jp>,"), std::string::npos);
    EXPECT_NE(head.find("registry@clinic.example.jp"), std::string::npos);

    // The subject decodes back; the body decodes to the text with CRLF line ends.
    const auto s = head.find("Subject: ");
    const auto s_end = head.find("\r\nMessage-ID:");
    EXPECT_EQ(decode_header_value(head.substr(s, s_end - s)), m.subject);
    EXPECT_EQ(decode_base64(body),
              "テスト病院\r\n\r\nURL: https://mio.intra.ccr.ncc.go.jp/ikss/\r\nコールセンター: "
              "03-3545-1511\r\n");
}

TEST(Texts, RecordHintShowsControlCharactersOfTheIdEscaped) {
    const std::string hint = mail::record_hint(Lang::en, "a\nb\x1b[2J", Rule::password_rotation);
    EXPECT_NE(hint.find("credwatch password-changed a\\x0ab\\x1b[2J"), std::string::npos) << hint;
}

TEST(Texts, RecordHintNamesTheCommand) {
    EXPECT_NE(mail::record_hint(Lang::ja, "gtol/user-password", Rule::password_rotation)
                  .find("credwatch password-changed gtol/user-password"),
              std::string::npos);
    EXPECT_NE(
        mail::record_hint(Lang::en, "form", Rule::document_age).find("credwatch renewed form"),
        std::string::npos);
    EXPECT_NE(mail::record_hint(Lang::en, "q", Rule::issuance_quota).find("credwatch issued q"),
              std::string::npos);
    EXPECT_NE(mail::record_hint(Lang::ja, "c", Rule::certificate_validity).find("credwatch rescan"),
              std::string::npos);
    EXPECT_EQ(mail::record_hint(Lang::ja, "c", std::nullopt), "");
    EXPECT_NE(mail::footer(Lang::ja, "pc-001").find("pc-001"), std::string::npos);
}

TEST(Texts, DigestCountsAndCarriesEveryItem) {
    const auto t = mail::digest_text({{"件名A", "本文A\n"}, {"件名B", "本文B"}}, Lang::ja, "pc-001",
                                     "テスト病院");
    EXPECT_NE(t.subject.find("2件"), std::string::npos) << t.subject;
    for (const char* part : {"テスト病院", "件名A", "本文A", "件名B", "本文B", "pc-001"})
        EXPECT_NE(t.body.find(part), std::string::npos) << part;
    const auto en = mail::digest_text({{"A", "a"}}, Lang::en, "pc-001", "");
    EXPECT_EQ(en.subject, "[credwatch] 1 deadline reminder (pc-001)");
}

// The mail writes a deadline as the tray does (date_text): 2026年12月11日, not 2026-12-11.
TEST(ReminderText, TheDeadlineIsWrittenAsTheTrayWritesIt) {
    StatusRow row;
    row.system_name_ja = "がん登録オンラインシステム";
    row.system_name_en = "Cancer registry online system";
    row.kind_name_ja = "利用者パスワード";
    row.kind_name_en = "User password";
    row.deadline_date = Date{std::chrono::year{2026}, std::chrono::month{12}, std::chrono::day{11}};
    Reminder soon;
    soon.key = "d14";
    soon.state = State::due_soon;
    soon.days_left = 14;
    const ReminderText ja = reminder_text(soon, row, {}, Lang::ja);
    EXPECT_NE(ja.subject.find("期限まであと14日です（期限 2026年12月11日）"), std::string::npos)
        << ja.subject;
    EXPECT_NE(ja.body.find("2026年12月11日"), std::string::npos) << ja.body;
    EXPECT_EQ(ja.subject.find("2026-12-11"), std::string::npos) << ja.subject;
    const ReminderText en = reminder_text(soon, row, {}, Lang::en);
    EXPECT_NE(en.subject.find("expires in 14 days (deadline 11 Dec 2026)"), std::string::npos)
        << en.subject;
    Reminder overdue;
    overdue.key = "overdue";
    overdue.state = State::overdue;
    EXPECT_NE(reminder_text(overdue, row, {}, Lang::ja)
                  .subject.find("期限切れです（期限 2026年12月11日）"),
              std::string::npos);
}

// --- an estimated deadline in the text (notify/text.hpp) ------------------------------------

TEST(ReminderText, AnEstimatedDeadlineSaysSoInBothLanguages) {
    StatusRow row;
    row.id = "alice/service-certificate";
    row.system_name_ja = "全国がん登録";
    row.system_name_en = "Cancer registry";
    row.kind_name_ja = "サービス利用証明書";
    row.kind_name_en = "Service-use certificate";
    row.rule = Rule::certificate_validity;
    row.state = State::due_soon;
    row.deadline_date = Date{std::chrono::year{2027}, std::chrono::month{3}, std::chrono::day{1}};
    row.days_left = 30;
    row.estimated = true;
    Reminder r;
    r.key = "d30";
    r.state = State::due_soon;
    r.days_left = 30;
    EXPECT_NE(reminder_text(r, row, {}, Lang::ja, "").body.find("（推定）"), std::string::npos);
    EXPECT_NE(reminder_text(r, row, {}, Lang::en, "").subject.find("(estimated)"),
              std::string::npos);
    EXPECT_NE(format_status_table({row}, Lang::en).find("(estimated)"), std::string::npos);
    row.estimated = false;
    EXPECT_EQ(reminder_text(r, row, {}, Lang::ja, "").body.find("（推定）"), std::string::npos);
    EXPECT_EQ(format_status_table({row}, Lang::ja).find("（推定）"), std::string::npos);
}
