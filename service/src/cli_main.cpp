// credwatch: the command line for registry staff and administrators. Talks to the service
// over the IPC, except `scan`, which reads certificate files directly.

#include "credwatch/certificate.hpp"
#include "credwatch/civil_time.hpp"
#include "credwatch/ipc_client.hpp"
#include "credwatch/json_codec.hpp"
#include "credwatch/platform.hpp"
#include "credwatch/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

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

std::string str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
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
    json::array rows{v};
    std::cout << (lang == Lang::ja ? "記録しました。\n" : "Recorded.\n") << format_status_table(rows, lang);
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
                std::cout << format_status_table(v.at("credentials").as_array(), language(g));
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

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : kExitUsage;
    }
    return action ? action() : kExitUsage;
} catch (const std::exception& e) {
    std::cerr << "credwatch: " << e.what() << "\n";
    return kExitError;
}
