// credwatch: the command line for registry staff and administrators. Talks to the service
// over the IPC, except `scan`, which reads certificate files directly.

#include "credwatch/certs/certificate.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/notify/exports.hpp"
#include "credwatch/ipc/ipc_client.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"
#include "credwatch/platform/secret_file.hpp"
#include "credwatch/notify/text.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio/ip/host_name.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <termios.h>
#include <unistd.h>
#endif

namespace json = boost::json;
using namespace credwatch;

namespace {

// Exit codes, documented in docs/cli.md.
constexpr int kExitError = 1;      // the service refused the request (unknown credential, bad date, ...)
constexpr int kExitUsage = 2;      // the command line itself is wrong
constexpr int kExitNoService = 3;  // the service is not running

struct Globals {
    std::string data_dir = platform::to_utf8(platform::default_data_dir());
    std::string lang = "auto";
    bool json = false;
};

Lang language(const Globals& g) { return resolve_language(g.lang); }

int fail(const Error& e, const Globals& g) {
    const bool ja = language(g) == Lang::ja;
    std::cerr << "credwatch: " << (ja ? "エラー: " : "error: ") << e.message << "\n";
    if (e.code == Errc::service_unavailable) {
        std::cerr << (ja ? "credwatch サービスが起動していることを確認してください。\n"
                         : "Check that the credwatch service is running.\n");
        return kExitNoService;
    }
    return kExitError;
}

void print_json(const json::value& v) { std::cout << json::serialize(v) << "\n"; }

// One request to the service; prints JSON or calls `human` on the result.
int call(const Globals& g, std::string_view method, json::object params,
         const std::function<void(const json::value&)>& human) {
    auto client = IpcClient::connect(platform::from_utf8(g.data_dir));
    if (!client) return fail(client.error(), g);
    params["client"] = "cli";
    auto result = (*client)->call(method, std::move(params));
    if (!result) return fail(result.error(), g);
    if (g.json)
        print_json(*result);
    else
        human(*result);
    return 0;
}

std::string str(const json::object& o, std::string_view key) { return string_field(o, key); }

// The service's JSON rows as the typed values notify/ formats; a row that does not parse is
// skipped, as the JSON-based formatters skipped what was not an object.
std::vector<StatusRow> status_rows(const json::value& rows) {
    std::vector<StatusRow> out;
    if (rows.is_array())
        for (const auto& v : rows.as_array())
            if (auto row = status_row_from_json(v)) out.push_back(std::move(*row));
    return out;
}

std::vector<InventoryEntry> inventory_entries(const json::value& certificates) {
    std::vector<InventoryEntry> out;
    if (certificates.is_array())
        for (const auto& v : certificates.as_array())
            if (auto entry = inventory_entry_from_json(v)) out.push_back(std::move(*entry));
    return out;
}

void print_reminders(const json::array& reminders, Lang lang) {
    if (reminders.empty()) return;
    std::cout << "\n" << (lang == Lang::ja ? "未対応のリマインダー:" : "Open reminders:") << "\n";
    for (const auto& v : reminders) {
        const auto& r = v.as_object();
        std::cout << fmt::format("  #{}  {}  {}  {}\n", r.at("id").as_int64(), str(r, "credential"),
                                 state_text(state_from_string(str(r, "state")).value_or(State::unknown), lang),
                                 str(r, "raised_at"));
    }
}

void print_row_change(const json::value& v, Lang lang) {
    std::cout << (lang == Lang::ja ? "記録しました。\n" : "Recorded.\n")
              << format_status_table(status_rows(json::array{v}), lang);
}

void print_scan(const ScanResult& result, bool as_json) {
    if (as_json) {
        json::array records;
        for (const auto& c : result.certificates) records.push_back(to_json(c));
        for (const auto& f : result.failures) records.push_back(to_json(f));
        print_json(records);
        return;
    }
    for (const auto& c : result.certificates) {
        std::cout << c.location << "\n"
                  << "  subject:   " << c.info.subject << "\n"
                  << "  issuer:    " << c.info.issuer << "\n"
                  << "  not after: " << format_utc(c.info.not_after) << "\n"
                  << "  sha256:    " << c.info.sha256 << "\n";
    }
    for (const auto& f : result.failures) std::cout << f.location << "\n  error: " << f.error << "\n";
}

// One request to the service, its result returned (for commands that need several).
Result<json::value> request(const Globals& g, std::string_view method, json::object params) {
    auto client = IpcClient::connect(platform::from_utf8(g.data_dir));
    if (!client) return client.error();
    params["client"] = "cli";
    return (*client)->call(method, std::move(params));
}

// Writes an export to FILE, or to stdout for "" and "-" (byte for byte: the CRLF line ends
// and the BOM of the exports must reach the file unchanged).
int write_output(const std::string& output, const std::string& content, const Globals& g) {
    if (output.empty() || output == "-") {
#ifdef _WIN32
        std::fflush(stdout);
        _setmode(_fileno(stdout), _O_BINARY);
#endif
        std::fwrite(content.data(), 1, content.size(), stdout);
        std::fflush(stdout);
        return 0;
    }
    std::ofstream out(platform::from_utf8(output), std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) return fail(make_error(Errc::io_error, fmt::format("cannot write {}", output)), g);
    std::cerr << (language(g) == Lang::ja ? "書き出しました: " : "Written: ") << output << "\n";
    return 0;
}

std::string host_name() {
    boost::system::error_code ec;
    std::string host = boost::asio::ip::host_name(ec);
    return ec || host.empty() ? std::string("localhost") : host;
}

// A line from stdin without echoing it when stdin is a terminal.
std::string read_secret_line(const std::string& prompt) {
#ifdef _WIN32
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    const bool console = GetConsoleMode(in, &mode) != 0;
    if (console) {
        std::cerr << prompt << std::flush;
        SetConsoleMode(in, mode & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
    }
    std::string line;
    std::getline(std::cin, line);
    if (console) {
        SetConsoleMode(in, mode);
        std::cerr << "\n";
    }
#else
    termios saved{};
    const bool terminal = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
        std::cerr << prompt << std::flush;
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::cerr << "\n";
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

void print_outbox(const json::object& o, Lang lang) {
    const bool ja = lang == Lang::ja;
    const bool enabled = o.at("enabled").as_bool();
    std::string to;
    for (const auto& r : o.at("to").as_array()) {
        if (!to.empty()) to += ", ";
        to += std::string(r.as_string());
    }
    if (enabled)
        std::cout << fmt::format(fmt::runtime(ja ? "メール通知: 有効（{}）、サーバー {}、宛先 {}\n"
                                                 : "E-mail: enabled ({}), server {}, to {}\n"),
                                 str(o, "mode") == "digest"
                                     ? (ja ? "1日1通のまとめ" : "daily digest")
                                     : (ja ? "リマインダーごと" : "one per reminder"),
                                 str(o, "server"), to);
    else
        std::cout
            << (ja ? "メール通知: 無効（サイト設定の [email] enabled = true で有効になります）\n"
                   : "E-mail: disabled (set enabled = true in [email] of the site "
                     "configuration)\n");
    std::cout << fmt::format(
        fmt::runtime(ja ? "送信待ち {}件（うち失敗 {}件）、まとめ待ち {}件\n"
                        : "{} waiting to be sent ({} failing), {} held for the digest\n"),
        o.at("pending").to_number<std::int64_t>(), o.at("failing").to_number<std::int64_t>(),
        o.at("held").to_number<std::int64_t>());
    for (const auto& v : o.at("messages").as_array()) {
        const auto& m = v.as_object();
        const std::string status = str(m, "status");
        std::string status_text = status;
        if (ja) {
            if (status == "sent")
                status_text = "送信済";
            else if (status == "queued")
                status_text = "送信待ち";
            else if (status == "retrying")
                status_text = "再送待ち";
            else if (status == "held")
                status_text = "まとめ待ち";
            else if (status == "in_digest")
                status_text = "まとめで送信";
        }
        std::string when = status == "sent" ? str(m, "sent_at") : str(m, "created_at");
        if (auto t = parse_utc(when)) when = local_minute(*t);
        std::cout << fmt::format("  #{:<5} {:<10} {}  {}\n", m.at("id").as_int64(), status_text,
                                 when, str(m, "subject"));
        const auto attempts = m.at("attempts").to_number<std::int64_t>();
        if (status == "retrying" || (status == "queued" && attempts > 0)) {
            std::string next = str(m, "next_attempt_at");
            if (auto t = parse_utc(next)) next = local_minute(*t);
            std::cout << fmt::format(fmt::runtime(ja ? "         試行 {}回、次回 {}\n"
                                                     : "         {} attempt(s), next {}\n"),
                                     attempts, next);
        }
        if (auto e = str(m, "last_error"); !e.empty() && status != "sent")
            std::cout << (ja ? "         エラー: " : "         error: ") << e << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"credwatch: deadlines of passwords and certificates for the national medical online systems"};
    app.set_version_flag("--version", CREDWATCH_VERSION);
    app.require_subcommand(1);
    Globals g;
    app.add_option("--data-dir", g.data_dir, "Data directory of the service to talk to")->capture_default_str();
    app.add_option("--lang", g.lang, "ja, en or auto (from the locale)")->capture_default_str();
    auto json_flag = [&](CLI::App* sub) { sub->add_flag("--json", g.json, "Machine-readable JSON output"); };

    std::function<int()> action;

    auto* status = app.add_subcommand("status", "States of every tracked credential, now or on a date");
    std::string at;
    status->add_option("--at", at, "Show the states as they will be on this date (YYYY-MM-DD)");
    json_flag(status);
    status->callback([&] {
        action = [&] {
            json::object p;
            if (!at.empty()) {
                if (auto d = parse_date(at); !d) return fail(d.error(), g);
                p["at"] = at;
            }
            return call(g, "status", p, [&](const json::value& v) {
                std::cout << format_status_table(status_rows(v.at("credentials")), language(g));
                print_reminders(v.at("reminders").as_array(), language(g));
            });
        };
    });

    auto* list = app.add_subcommand("list", "The tracked credentials");
    json_flag(list);
    list->callback([&] {
        action = [&] {
            return call(g, "list", {}, [&](const json::value& v) {
                for (const auto& r : v.at("credentials").as_array()) {
                    const auto& o = r.as_object();
                    std::cout << fmt::format("{}  ({} / {}, {})\n", str(o, "id"),
                                             str(o, language(g) == Lang::ja ? "system_name_ja" : "system_name_en"),
                                             str(o, language(g) == Lang::ja ? "kind_name_ja" : "kind_name_en"),
                                             str(o, "owner"));
                }
            });
        };
    });

    std::string credential, on;
    for (const char* name : {"password-changed", "renewed"}) {
        auto* sub = app.add_subcommand(
            name, std::string(name) == "renewed"
                      ? "Record that a document was obtained again (e.g. a new e-filing form)"
                      : "Record that a password was changed (today, or --on DATE)");
        sub->add_option("credential", credential, "Credential id (see `credwatch list`)")->required();
        sub->add_option("--on", on, "Date of the change (YYYY-MM-DD), default today");
        json_flag(sub);
        sub->callback([&] {
            action = [&] {
                json::object p{{"credential", credential}};
                if (!on.empty()) {
                    if (auto d = parse_date(on); !d) return fail(d.error(), g);
                    p["on"] = on;
                }
                return call(g, "record_renewal", p, [&](const json::value& v) { print_row_change(v, language(g)); });
            };
        });
    }

    auto* issued = app.add_subcommand("issued", "Record that a certificate was issued (counts against the limit)");
    int total = -1;
    issued->add_option("credential", credential, "Issuance-count credential id")->required();
    issued->add_option("--total", total, "Set the count of issuances made so far instead of adding one")
        ->check(CLI::NonNegativeNumber);
    json_flag(issued);
    issued->callback([&] {
        action = [&] {
            json::object p{{"credential", credential}};
            if (total >= 0) p["total"] = total;
            return call(g, "record_issuance", p, [&](const json::value& v) { print_row_change(v, language(g)); });
        };
    });

    auto* add = app.add_subcommand("add", "Track another credential");
    std::string system, kind, label, owner, document;
    int limit = 0, lifetime = 0;
    add->add_option("credential", credential, "New credential id")->required();
    add->add_option("--system", system, "System id from the catalog")->required();
    add->add_option("--kind", kind, "Credential kind id from the catalog")->required();
    add->add_option("--label", label, "Label shown to people");
    add->add_option("--owner", owner, "\"machine\" or an OS user name");
    add->add_option("--document", document, "Document file whose time counts (document kinds)");
    add->add_option("--limit", limit, "Issuance limit instead of the catalog's")->check(CLI::PositiveNumber);
    add->add_option("--lifetime-days", lifetime, "Lifetime instead of the catalog's")->check(CLI::PositiveNumber);
    json_flag(add);
    add->callback([&] {
        action = [&] {
            json::object p{{"credential", credential}, {"system", system}, {"kind", kind}};
            if (!label.empty()) p["label"] = label;
            if (!owner.empty()) p["owner"] = owner;
            if (!document.empty()) p["document_path"] = document;
            if (limit > 0) p["limit"] = limit;
            if (lifetime > 0) p["lifetime_days"] = lifetime;
            return call(g, "add", p, [&](const json::value& v) { print_row_change(v, language(g)); });
        };
    });

    auto* remove = app.add_subcommand("remove", "Stop tracking a credential");
    remove->add_option("credential", credential, "Credential id")->required();
    json_flag(remove);
    remove->callback([&] {
        action = [&] {
            return call(g, "remove", {{"credential", credential}}, [&](const json::value&) {
                std::cout << (language(g) == Lang::ja ? "削除しました: " : "Removed: ") << credential << "\n";
            });
        };
    });

    std::int64_t reminder = 0;
    auto* ack = app.add_subcommand("ack", "Acknowledge a reminder");
    ack->add_option("reminder", reminder, "Reminder number (see `credwatch status`)")->required();
    json_flag(ack);
    ack->callback([&] {
        action = [&] {
            return call(g, "acknowledge", {{"reminder", reminder}}, [&](const json::value&) {
                std::cout << (language(g) == Lang::ja ? "確認済みにしました。\n" : "Acknowledged.\n");
            });
        };
    });

    auto* snooze = app.add_subcommand("snooze", "Hide a reminder for a while");
    int days = 1;
    std::string until;
    snooze->add_option("reminder", reminder, "Reminder number")->required();
    auto* days_opt = snooze->add_option("--days", days, "Days to hide it (default 1)")->check(CLI::Range(1, 365));
    snooze->add_option("--until", until, "Hide it until this date (YYYY-MM-DD)")->excludes(days_opt);
    json_flag(snooze);
    snooze->callback([&] {
        action = [&] {
            json::object p{{"reminder", reminder}};
            if (!until.empty()) {
                if (auto d = parse_date(until); !d) return fail(d.error(), g);
                p["until"] = until;
            } else {
                p["days"] = days;
            }
            return call(g, "snooze", p, [&](const json::value& v) {
                std::cout << (language(g) == Lang::ja ? "次の日時まで保留します: " : "Snoozed until ")
                          << str(v.as_object(), "snoozed_until") << "\n";
            });
        };
    });

    auto* reminders = app.add_subcommand("reminders", "Reminders raised so far");
    bool all = false;
    reminders->add_flag("--all", all, "Include acknowledged and snoozed reminders");
    json_flag(reminders);
    reminders->callback([&] {
        action = [&] {
            return call(g, "reminders", {{"all", all}}, [&](const json::value& v) {
                print_reminders(v.at("reminders").as_array(), language(g));
            });
        };
    });

    auto* inventory = app.add_subcommand("inventory", "Every certificate the service knows of");
    json_flag(inventory);
    inventory->callback([&] {
        action = [&] {
            return call(g, "inventory", {}, [&](const json::value& v) {
                for (const auto& c : v.at("certificates").as_array()) {
                    const auto& o = c.as_object();
                    std::cout << fmt::format("{}  [{}]\n  subject:   {}\n  not after: {}\n  sha256:    {}\n",
                                             str(o, "path"), str(o, "owner"), str(o, "subject"),
                                             str(o, "not_after"), str(o, "sha256"));
                    if (auto t = str(o, "tracked_as"); !t.empty()) std::cout << "  tracked as: " << t << "\n";
                }
                for (const auto& f : v.at("failures").as_array())
                    std::cout << str(f.as_object(), "path") << "\n  error: " << str(f.as_object(), "error") << "\n";
            });
        };
    });

    auto* rescan = app.add_subcommand("rescan", "Scan certificate folders and re-evaluate now");
    json_flag(rescan);
    rescan->callback([&] {
        action = [&] {
            return call(g, "rescan", {}, [&](const json::value& v) {
                std::cout << fmt::format("certificates: {}, unreadable files: {}, reminders raised: {}\n",
                                         v.at("certificates").to_number<std::int64_t>(),
                                         v.at("failures").to_number<std::int64_t>(),
                                         v.at("reminders_raised").to_number<std::int64_t>());
            });
        };
    });

    auto* bind = app.add_subcommand("bind", "Track an inventory certificate as a credential");
    std::string sha256;
    bind->add_option("sha256", sha256, "SHA-256 thumbprint from `credwatch inventory`")->required();
    bind->add_option("credential", credential, "Credential id")->required();
    json_flag(bind);
    bind->callback([&] {
        action = [&] {
            return call(g, "bind", {{"sha256", sha256}, {"credential", credential}},
                        [&](const json::value&) { std::cout << "OK\n"; });
        };
    });

    auto* audit = app.add_subcommand("audit", "Who changed what, newest first");
    int audit_limit = 50;
    audit->add_option("--limit", audit_limit, "How many entries")->check(CLI::Range(1, 10000));
    json_flag(audit);
    audit->callback([&] {
        action = [&] {
            return call(g, "audit", {{"limit", audit_limit}}, [&](const json::value& v) {
                for (const auto& e : v.at("audit").as_array()) {
                    const auto& o = e.as_object();
                    std::cout << fmt::format("{}  {:<10} {:<18} {}  {} -> {}  ({})\n", str(o, "at"),
                                             str(o, "os_user"), str(o, "action"), str(o, "target"),
                                             str(o, "old_value"), str(o, "new_value"), str(o, "via"));
                }
            });
        };
    });

    auto* scan = app.add_subcommand("scan", "Read certificate files and folders directly (no service needed)");
    std::vector<std::string> paths;
    scan->add_option("paths", paths, "Files or folders")->required();
    json_flag(scan);
    scan->callback([&] {
        action = [&] {
            std::vector<std::filesystem::path> native;
            for (const auto& p : paths) native.push_back(platform::from_utf8(p));
            CertificateScanner scanner;
            print_scan(scanner.scan(native, platform::current_user()), g.json);
            return 0;
        };
    });

    // Exports ------------------------------------------------------------------------------
    auto* exporter =
        app.add_subcommand("export", "Write the deadlines as a calendar (.ics) or a CSV for Excel");
    exporter->require_subcommand(1);
    std::string output, export_lang;
    auto* ics = exporter->add_subcommand(
        "ics", "Calendar file: one all-day event per deadline, with an alarm");
    ics->add_option("--output,-o", output, "File to write (default or -: standard output)");
    ics->add_option("--lang", export_lang, "ja or en (default: --lang of credwatch)")
        ->check(CLI::IsMember({"ja", "en", "auto"}));
    ics->callback([&] {
        action = [&] {
            auto st = request(g, "status", {});
            if (!st) return fail(st.error(), g);
            auto catalog = request(g, "catalog", {});
            if (!catalog) return fail(catalog.error(), g);
            std::vector<Procedure> procedures;
            for (const auto& p : catalog->at("procedures").as_array())
                if (auto proc = procedure_from_json(p)) procedures.push_back(std::move(*proc));
            IcsOptions options;
            options.lang = resolve_language(export_lang.empty() ? g.lang : export_lang);
            options.now = std::chrono::system_clock::now();
            options.uid_domain = host_name();
            for (const auto& sys : catalog->at("systems").as_array()) {
                const auto& so = sys.as_object();
                for (const auto& k : so.at("kinds").as_array()) {
                    const auto& ko = k.as_object();
                    const auto* th = ko.if_contains("thresholds");
                    if (th && th->is_array() && !th->as_array().empty() &&
                        th->as_array().front().is_int64())
                        options.alarm_days[str(so, "id") + "/" + str(ko, "id")] =
                            static_cast<int>(th->as_array().front().as_int64());
                }
            }
            return write_output(
                output, export_ics(status_rows(st->at("credentials")), procedures, options), g);
        };
    });
    auto* csv = exporter->add_subcommand(
        "csv", "CSV (UTF-8 with BOM, CRLF) that Excel opens with the Japanese intact");
    std::string csv_what;
    csv->add_option("what", csv_what, "deadlines or inventory")
        ->required()
        ->check(CLI::IsMember({"deadlines", "inventory"}));
    csv->add_option("--output,-o", output, "File to write (default or -: standard output)");
    csv->callback([&] {
        action = [&] {
            const Lang lang = language(g);
            if (csv_what == "deadlines") {
                auto st = request(g, "status", {});
                if (!st) return fail(st.error(), g);
                return write_output(
                    output, export_deadlines_csv(status_rows(st->at("credentials")), lang), g);
            }
            auto inv = request(g, "inventory", {});
            if (!inv) return fail(inv.error(), g);
            return write_output(output,
                                export_inventory_csv(inventory_entries(inv->at("certificates")), lang), g);
        };
    });

    // E-mail ---------------------------------------------------------------------------------
    auto* outbox = app.add_subcommand("outbox", "E-mail reminders queued, sent and failing");
    int outbox_limit = 20;
    bool outbox_unsent = false;
    outbox->add_option("--limit", outbox_limit, "How many messages, newest first")
        ->check(CLI::Range(1, 1000));
    outbox->add_flag("--unsent", outbox_unsent, "Only the messages not sent yet");
    json_flag(outbox);
    outbox->callback([&] {
        action = [&] {
            return call(g, "outbox", {{"limit", outbox_limit}, {"unsent", outbox_unsent}},
                        [&](const json::value& v) { print_outbox(v.as_object(), language(g)); });
        };
    });

    auto* test_mail = app.add_subcommand(
        "test-mail", "Queue a test message to the configured recipients (administrators)");
    json_flag(test_mail);
    test_mail->callback([&] {
        action = [&] {
            return call(g, "send_test_mail", {}, [&](const json::value& v) {
                std::cout << fmt::format(
                    fmt::runtime(
                        language(g) == Lang::ja
                            ? "テストメール #{} を送信待ちに入れました。結果は `credwatch outbox` "
                              "で確認できます。\n"
                            : "Test message #{} queued. See `credwatch outbox` for the result.\n"),
                    v.at("queued").as_int64());
            });
        };
    });

    auto* protect = app.add_subcommand(
        "protect-password",
        "Write the SMTP password (read from standard input) to FILE for [email] password_file: "
        "Windows: DPAPI-protected, SYSTEM and Administrators only; Linux: mode 0600");
    std::string password_file;
    protect->add_option("file", password_file, "The password file to create or replace")
        ->required();
    protect->callback([&] {
        action = [&] {
            const bool ja = language(g) == Lang::ja;
            std::string secret = read_secret_line(ja ? "SMTP のパスワード: " : "SMTP password: ");
            if (secret.empty())
                return fail(make_error(Errc::invalid_argument,
                                       ja ? "パスワードが空です" : "the password is empty"),
                            g);
            auto st = write_secret_file(platform::from_utf8(password_file), secret);
            std::fill(secret.begin(), secret.end(), '\0');
            if (!st) return fail(st.error(), g);
            std::cout << (ja ? "書き込みました: " : "Written: ") << password_file << "\n";
            return 0;
        };
    });

    try {
        auto args = platform::utf8_arguments(argc, argv);  // Windows: UTF-8, not the ANSI code page
        std::vector<char*> utf8_argv;
        for (auto& a : args) utf8_argv.push_back(a.data());
        app.parse(static_cast<int>(utf8_argv.size()), utf8_argv.data());
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : kExitUsage;
    }
    return action ? action() : kExitUsage;
} catch (const std::exception& e) {
    std::cerr << "credwatch: " << e.what() << "\n";
    return kExitError;
}
