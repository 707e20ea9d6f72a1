// outbox, test-mail, protect-password: the e-mail reminders.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/platform/platform.hpp"
#include "credwatch/platform/secret_file.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iostream>

#ifdef _WIN32
#include <windows.h>
#else
#include <termios.h>
#include <unistd.h>
#endif

namespace credwatch::cli {

namespace json = boost::json;

namespace {

// A line from the input without echoing it when the input is the process's terminal.
std::string read_secret_line(const Context& ctx, const std::string& prompt) {
    const bool process_stdin = &ctx.in == &std::cin;
    std::string line;
#ifdef _WIN32
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    const bool console = process_stdin && GetConsoleMode(in, &mode) != 0;
    if (console) {
        ctx.err << prompt << std::flush;
        SetConsoleMode(in, mode & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
    }
    std::getline(ctx.in, line);
    if (console) {
        SetConsoleMode(in, mode);
        ctx.err << "\n";
    }
#else
    termios saved{};
    const bool terminal =
        process_stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
        ctx.err << prompt << std::flush;
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(ctx.in, line);
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        ctx.err << "\n";
    }
#endif
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    return line;
}

// "2026-03-10 21:00" in local time.
std::string local_minute(TimePoint t) {
    std::string s = format_local(t).substr(0, 16);
    if (s.size() > 10) s[10] = ' ';
    return s;
}

std::string status_text(const std::string& status, bool ja) {
    if (!ja) return status;
    if (status == "sent") return "送信済";
    if (status == "queued") return "送信待ち";
    if (status == "retrying") return "再送待ち";
    if (status == "held") return "まとめ待ち";
    if (status == "in_digest") return "まとめで送信";
    return status;
}

void print_outbox(std::ostream& out, const json::object& o, bool ja) {
    std::string to;
    for (const auto& r : o.at("to").as_array()) {
        if (!to.empty()) to += ", ";
        to += std::string(r.as_string());
    }
    if (o.at("enabled").as_bool())
        out << fmt::format(fmt::runtime(ja ? "メール通知: 有効（{}）、サーバー {}、宛先 {}\n"
                                           : "E-mail: enabled ({}), server {}, to {}\n"),
                           str(o, "mode") == "digest"
                               ? (ja ? "1日1通のまとめ" : "daily digest")
                               : (ja ? "リマインダーごと" : "one per reminder"),
                           str(o, "server"), to);
    else
        out << (ja ? "メール通知: 無効（サイト設定の [email] enabled = true で有効になります）\n"
                   : "E-mail: disabled (set enabled = true in [email] of the site "
                     "configuration)\n");
    out << fmt::format(
        fmt::runtime(ja ? "送信待ち {}件（うち失敗 {}件）、まとめ待ち {}件\n"
                        : "{} waiting to be sent ({} failing), {} held for the digest\n"),
        o.at("pending").to_number<std::int64_t>(), o.at("failing").to_number<std::int64_t>(),
        o.at("held").to_number<std::int64_t>());
    for (const auto& v : o.at("messages").as_array()) {
        const auto& m = v.as_object();
        const std::string status = str(m, "status");
        std::string when = status == "sent" ? str(m, "sent_at") : str(m, "created_at");
        if (auto t = parse_utc(when)) when = local_minute(*t);
        out << fmt::format("  #{:<5} {} {}  {}\n", m.at("id").as_int64(),
                           pad_right(status_text(status, ja), 10), when, str(m, "subject"));
        const auto attempts = m.at("attempts").to_number<std::int64_t>();
        if (status == "retrying" || (status == "queued" && attempts > 0)) {
            std::string next = str(m, "next_attempt_at");
            if (auto t = parse_utc(next)) next = local_minute(*t);
            out << fmt::format(fmt::runtime(ja ? "         試行 {}回、次回 {}\n"
                                               : "         {} attempt(s), next {}\n"),
                               attempts, next);
        }
        if (auto e = str(m, "last_error"); !e.empty() && status != "sent")
            out << (ja ? "         エラー: " : "         error: ") << e << "\n";
    }
}

class OutboxCommand final : public Command {
  public:
    std::string name() const override { return "outbox"; }
    std::string description() const override { return "E-mail reminders queued, sent and failing"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("--limit", limit_, "How many messages, newest first")
            ->check(CLI::Range(1, 1000));
        sub.add_flag("--unsent", unsent_, "Only the messages not sent yet");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call(
            "outbox", {{"limit", limit_}, {"unsent", unsent_}},
            [&](const json::value& v) { print_outbox(ctx.out, v.as_object(), ctx.ja()); });
    }

  private:
    int limit_ = 20;
    bool unsent_ = false;
};

class TestMailCommand final : public Command {
  public:
    std::string name() const override { return "test-mail"; }
    std::string description() const override {
        return "Queue a test message to the configured recipients (administrators)";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("send_test_mail", {}, [&](const json::value& v) {
            ctx.out << fmt::format(
                fmt::runtime(ctx.ja()
                                 ? "テストメール #{} を送信待ちに入れました。結果は `credwatch "
                                   "outbox` で確認できます。\n"
                                 : "Test message #{} queued. See `credwatch outbox` for the "
                                   "result.\n"),
                v.at("queued").as_int64());
        });
    }
};

class ProtectPasswordCommand final : public Command {
  public:
    std::string name() const override { return "protect-password"; }
    std::string description() const override {
        return "Write the SMTP password (read from standard input) to FILE for [email] "
               "password_file: Windows: DPAPI-protected, SYSTEM and Administrators only; Linux: "
               "mode 0600";
    }
    void register_options(CLI::App& sub, GlobalOptions&) override {
        sub.add_option("file", password_file_, "The password file to create or replace")
            ->required();
    }
    int run(Context& ctx) override {
        const bool ja = ctx.ja();
        std::string secret = read_secret_line(ctx, ja ? "SMTP のパスワード: " : "SMTP password: ");
        if (secret.empty())
            return ctx.fail(make_error(Errc::invalid_argument,
                                       ja ? "パスワードが空です" : "the password is empty"));
        auto written = write_secret_file(platform::from_utf8(password_file_), secret);
        std::fill(secret.begin(), secret.end(), '\0');
        if (!written) return ctx.fail(written.error());
        ctx.out << (ja ? "書き込みました: " : "Written: ") << password_file_ << "\n";
        return kExitOk;
    }

  private:
    std::string password_file_;
};

}  // namespace

void add_mail_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<OutboxCommand>());
    commands.push_back(std::make_unique<TestMailCommand>());
    commands.push_back(std::make_unique<ProtectPasswordCommand>());
}

}  // namespace credwatch::cli
