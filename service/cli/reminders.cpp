// ack, snooze, reminders: the reminders raised.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"

#include <cstdint>
#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

class AckCommand final : public Command {
  public:
    std::string name() const override { return "ack"; }
    std::string description() const override { return "Acknowledge a reminder"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("reminder", reminder_, "Reminder number (see `credwatch status`)")
            ->required();
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("acknowledge", {{"reminder", reminder_}}, [&](const json::value&) {
            ctx.out << (ctx.ja() ? "確認済みにしました。\n" : "Acknowledged.\n");
        });
    }

  private:
    std::int64_t reminder_ = 0;
};

class SnoozeCommand final : public Command {
  public:
    std::string name() const override { return "snooze"; }
    std::string description() const override { return "Hide a reminder for a while"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("reminder", reminder_, "Reminder number")->required();
        auto* days = sub.add_option("--days", days_, "Days to hide it (default 1)")
                         ->check(CLI::Range(1, 365));
        sub.add_option("--until", until_, "Hide it until this date (YYYY-MM-DD)")->excludes(days);
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params{{"reminder", reminder_}};
        if (!until_.empty()) {
            if (auto date = parse_date(until_); !date) return ctx.fail(date.error());
            params["until"] = until_;
        } else {
            params["days"] = days_;
        }
        return ctx.call("snooze", params, [&](const json::value& v) {
            ctx.out << (ctx.ja() ? "次の日時まで保留します: " : "Snoozed until ")
                    << str(v.as_object(), "snoozed_until") << "\n";
        });
    }

  private:
    std::int64_t reminder_ = 0;
    int days_ = 1;
    std::string until_;
};

class RemindersCommand final : public Command {
  public:
    std::string name() const override { return "reminders"; }
    std::string description() const override { return "Reminders raised so far"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_flag("--all", all_, "Include acknowledged and snoozed reminders");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("reminders", {{"all", all_}}, [&](const json::value& v) {
            print_reminders(ctx, v.at("reminders").as_array());
        });
    }

  private:
    bool all_ = false;
};

}  // namespace

void add_reminder_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<AckCommand>());
    commands.push_back(std::make_unique<SnoozeCommand>());
    commands.push_back(std::make_unique<RemindersCommand>());
}

}  // namespace credwatch::cli
