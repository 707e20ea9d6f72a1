// backup: a verified copy of the database on demand (administrators only), and the database's
// health under `credwatch status`.

#include "command.hpp"
#include "credwatch/platform/platform.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

class BackupCommand final : public Command {
  public:
    std::string name() const override { return "backup"; }
    std::string description() const override {
        return "Write a verified backup of the database (administrators only); without --output "
               "into the service's backup folder";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("--output", output_, "The backup file to write (must not exist)");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params;
        if (!output_.empty()) {
            // The service runs elsewhere: it gets the absolute path.
            std::error_code ec;
            auto absolute = std::filesystem::absolute(platform::from_utf8(output_), ec);
            if (ec) absolute = platform::from_utf8(output_);
            params["output"] = platform::to_utf8(absolute);
        }
        return ctx.call("backup", params, [&](const json::value& v) {
            const auto& o = v.as_object();
            ctx.out << fmt::format(
                fmt::runtime(ctx.ja() ? "バックアップを書き込みました（整合性確認済み）: {}\n"
                                      : "Backup written and verified: {}\n"),
                str(o, "file"));
        });
    }

  private:
    std::string output_;
};

}  // namespace

void print_store_health(const Context& ctx, const json::object& status) {
    const auto* store = status.if_contains("store");
    if (!store || !store->is_object()) return;
    const auto& s = store->as_object();
    const bool ja = ctx.ja();
    if (const auto* r = s.if_contains("recovered_from"); r && r->is_object()) {
        const auto& from = r->as_object();
        ctx.out << "\n"
                << fmt::format(
                       fmt::runtime(
                           ja ? "注意: データベースが破損していたため、{} のバックアップ {} "
                                "から復元しました（破損したファイル: {}）。\n"
                              : "WARNING: the database was damaged and has been restored "
                                "from the backup {1} of {0} (damaged file kept as {2}).\n"),
                       str(from, "taken_at"), str(from, "backup"), str(from, "damaged_file"));
        if (const auto* lost = s.if_contains("possibly_lost"); lost && lost->is_array())
            for (const auto& c : lost->as_array()) {
                const auto& o = c.as_object();
                ctx.out << fmt::format(
                    fmt::runtime(ja ? "  バックアップ後の記録（失われた可能性）: {} {} {} "
                                      "({})\n"
                                    : "  recorded after the backup and possibly lost: {} "
                                      "{} {} by {}\n"),
                    str(o, "credential"), str(o, "action"), str(o, "at"), str(o, "user"));
            }
    }
    if (s.contains("started_empty") && s.at("started_empty").is_bool() &&
        s.at("started_empty").as_bool())
        ctx.out << (ja ? "注意: 良好なバックアップがなく、空の台帳で起動しています。\n"
                       : "WARNING: no good backup existed: the service runs on an EMPTY ledger.\n");
    if (str(s, "integrity") == "failed")
        ctx.out << "\n"
                << fmt::format(
                       fmt::runtime(ja ? "注意: データベースの整合性チェックに失敗しました: {}\n"
                                       : "WARNING: the database failed its integrity check: {}\n"),
                       str(s, "problem"));
}

void add_backup_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<BackupCommand>());
}

}  // namespace credwatch::cli
