// export ledger, import ledger: the ledger moves with the clinic to a new PC
// (docs/ledger-format.md). The service reads and merges; the file is the CLI's: written
// atomically, readable by its owner only (it names people), and checked field by field before
// anything is sent.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/ledger_codec.hpp"
#include "credwatch/platform/files.hpp"
#include "credwatch/platform/platform.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

// Larger than any clinic's ledger; the IPC message limit (4 MB) is lower still.
constexpr std::size_t kMaxLedgerBytes = 64u * 1024 * 1024;

std::int64_t count(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_int64()) return v->as_int64();
    if (v && v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
    return 0;
}

class ExportLedgerCommand final : public Command {
  public:
    std::string name() const override { return "ledger"; }
    std::string description() const override {
        return "The whole ledger (credentials, dates, issuances, reminders, audit) as a file for "
               "a new PC (administrators only)";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("file", file_, "File to write (mode 0600; -: standard output)")->required();
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        auto reply = ctx.request("export_ledger", {});
        if (!reply) return ctx.fail(reply.error());
        const auto* document =
            reply->is_object() ? reply->as_object().if_contains("ledger") : nullptr;
        if (!document)
            return ctx.fail(make_error(Errc::protocol_error, "the service sent no ledger"));
        auto ledger = ledger_from_json(*document, "the service's ledger");
        if (!ledger) return ctx.fail(ledger.error());
        const std::string text = serialize_ledger(*ledger);
        if (file_ == "-") {
            ctx.out << text;
            ctx.out.flush();
            return kExitOk;
        }
        if (auto written = platform::write_file_atomically(platform::from_utf8(file_), text,
                                                           platform::FileAccess::owner_only);
            !written)
            return ctx.fail(written.error());
        if (ctx.options.json) {
            print_json(ctx.out, json::object{{"file", file_},
                                             {"machine", ledger->machine},
                                             {"exported_at", format_utc(ledger->exported_at)},
                                             {"credentials", ledger->credentials.size()},
                                             {"audit", ledger->audit.size()}});
        } else if (ctx.ja()) {
            ctx.err << fmt::format("台帳を書き出しました: {}（認証情報 {} 件、監査記録 {} 件）\n",
                                   file_, ledger->credentials.size(), ledger->audit.size());
        } else {
            ctx.err << fmt::format("Ledger written: {} ({} credential(s), {} audit row(s))\n",
                                   file_, ledger->credentials.size(), ledger->audit.size());
        }
        return kExitOk;
    }

  private:
    std::string file_;
};

class ImportLedgerCommand final : public Command {
  public:
    std::string name() const override { return "ledger"; }
    std::string description() const override {
        return "Merge a ledger written by `credwatch export ledger` on another PC "
               "(administrators only)";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("file", file_, "The ledger file")->required();
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        auto text = platform::read_file(platform::from_utf8(file_), kMaxLedgerBytes);
        if (!text) return ctx.fail(text.error());
        boost::system::error_code ec;
        json::value document = json::parse(*text, ec);
        if (ec)
            return ctx.fail(make_error(
                Errc::parse_error, fmt::format("{}: not a credwatch ledger: malformed JSON: {}; "
                                               "nothing was imported",
                                               file_, ec.message())));
        // Checked here first, so that a bad file is refused before the service is asked.
        if (auto ledger = ledger_from_json(document, file_); !ledger)
            return ctx.fail(ledger.error());
        return ctx.call(
            "import_ledger", json::object{{"ledger", std::move(document)}, {"file", file_}},
            [&](const json::value& reply) {
                const auto& s = reply.at("imported").as_object();
                const std::string machine = str(s, "machine");
                if (ctx.ja()) {
                    ctx.out << fmt::format(
                        "{} の台帳（{} 書き出し）を取り込みました: 認証情報 {} 件追加・{} "
                        "件更新、発行記録 {} 件、リマインダー {} 件追加・{} 件更新、"
                        "監査記録 {} 件追加（{} 件は取り込み済み）\n",
                        machine, str(s, "exported_at"), count(s, "credentials_added"),
                        count(s, "credentials_updated"), count(s, "issuances_added"),
                        count(s, "reminders_added"), count(s, "reminders_updated"),
                        count(s, "audit_added"), count(s, "audit_already_present"));
                } else {
                    ctx.out << fmt::format(
                        "Imported the ledger of {} (exported {}): {} credential(s) "
                        "added, {} updated; {} issuance(s); {} reminder(s) added, {} "
                        "updated; {} audit row(s) added ({} already present)\n",
                        machine, str(s, "exported_at"), count(s, "credentials_added"),
                        count(s, "credentials_updated"), count(s, "issuances_added"),
                        count(s, "reminders_added"), count(s, "reminders_updated"),
                        count(s, "audit_added"), count(s, "audit_already_present"));
                }
            });
    }

  private:
    std::string file_;
};

class ImportCommand final : public Command {
  public:
    std::string name() const override { return "import"; }
    std::string description() const override {
        return "Merge a ledger exported on another PC (`credwatch export ledger`)";
    }
    void register_options(CLI::App&, GlobalOptions&) override {}
    int run(Context&) override { return kExitUsage; }  // a subcommand runs instead
    std::vector<std::unique_ptr<Command>> subcommands() override {
        std::vector<std::unique_ptr<Command>> children;
        children.push_back(std::make_unique<ImportLedgerCommand>());
        return children;
    }
};

}  // namespace

std::unique_ptr<Command> make_export_ledger_command() {
    return std::make_unique<ExportLedgerCommand>();
}

void add_import_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<ImportCommand>());
}

}  // namespace credwatch::cli
