// status, list, and the status table every command that changes a credential prints.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/notify/text.hpp"

#include <fmt/format.h>

#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

// The one place that turns the service's JSON rows into the table (notify's
// format_status_table takes typed rows).
std::string status_table(const json::array& rows, Lang lang) {
    return format_status_table(status_rows_from_json(rows), lang);
}

class StatusCommand final : public Command {
  public:
    std::string name() const override { return "status"; }
    std::string description() const override {
        return "States of every tracked credential, now or on a date";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("--at", at_, "Show the states as they will be on this date (YYYY-MM-DD)");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params;
        if (!at_.empty()) {
            if (auto date = parse_date(at_); !date) return ctx.fail(date.error());
            params["at"] = at_;
        }
        return ctx.call("status", params, [&](const json::value& v) {
            ctx.out << status_table(v.at("credentials").as_array(), ctx.language());
            print_reminders(ctx, v.at("reminders").as_array());
            print_store_health(ctx, v.as_object());
        });
    }

  private:
    std::string at_;
};

class ListCommand final : public Command {
  public:
    std::string name() const override { return "list"; }
    std::string description() const override { return "The tracked credentials"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("list", {}, [&](const json::value& v) {
            const bool ja = ctx.ja();
            for (const auto& r : v.at("credentials").as_array()) {
                const auto& o = r.as_object();
                ctx.out << fmt::format("{}  ({} / {}, {})\n", str(o, "id"),
                                       str(o, ja ? "system_name_ja" : "system_name_en"),
                                       str(o, ja ? "kind_name_ja" : "kind_name_en"),
                                       str(o, "owner"));
            }
            if (const auto* learnt = v.as_object().if_contains("learnt_matches");
                learnt && learnt->is_array()) {
                for (const auto& m : learnt->as_array()) {
                    const auto& o = m.as_object();
                    std::string text = "issuer \"" + str(o, "issuer") + "\"";
                    if (auto subject = str(o, "subject_contains"); !subject.empty())
                        text += ", subject contains \"" + subject + "\"";
                    ctx.out << fmt::format("{} {}/{}: {}\n",
                                           ja ? "学習した照合:" : "learnt match:", str(o, "system"),
                                           str(o, "kind"), text);
                }
            }
        });
    }
};

}  // namespace

void print_row_change(const Context& ctx, const json::value& row) {
    json::array rows{row};
    ctx.out << (ctx.ja() ? "記録しました。\n" : "Recorded.\n")
            << status_table(rows, ctx.language());
}

void print_reminders(const Context& ctx, const json::array& reminders) {
    if (reminders.empty()) return;
    const Lang lang = ctx.language();
    ctx.out << "\n" << (lang == Lang::ja ? "未対応のリマインダー:" : "Open reminders:") << "\n";
    for (const auto& v : reminders) {
        const auto& r = v.as_object();
        ctx.out << fmt::format(
            "  #{}  {}  {}  {}\n", r.at("id").as_int64(), str(r, "credential"),
            state_text(state_from_string(str(r, "state")).value_or(State::unknown), lang),
            str(r, "raised_at"));
    }
}

void add_status_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<StatusCommand>());
    commands.push_back(std::make_unique<ListCommand>());
}

}  // namespace credwatch::cli
