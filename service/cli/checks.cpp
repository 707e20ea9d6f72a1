// checks: the results of the prerequisite checks the SERVICE runs (daily, after a network
// change), read from it; --run asks it to run them now; --report runs the checks of this
// user's session (Credential Manager, the user's certificate stores) here and reports them.
// `credwatch doctor` runs them all here instead (docs/doctor.md).

#include "credwatch/checks/checks.hpp"
#include "command.hpp"
#include "credwatch/base/clock.hpp"
#include "credwatch/ipc/session_checks.hpp"
#include "credwatch/platform/platform.hpp"
#include "output.hpp"

#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

class ChecksCommand final : public Command {
  public:
    std::string name() const override { return "checks"; }
    std::string description() const override {
        return "The prerequisite checks the service runs (daily and after a network change); "
               "exit 1 when one failed";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_flag("--run", run_, "Ask the service to run them now (at most once per 30 s)");
        sub.add_flag("--report", report_,
                     "Run the checks of this user's session (Credential Manager, the user's "
                     "certificates) here and report them to the service");
        sub.add_option("--lang", options.lang, "ja, en or auto (from the locale)");
        add_json_flag(sub, options);
    }

    int run(Context& ctx) override {
        auto result =
            report_ ? report_and_run(ctx, run_) : ctx.request(run_ ? "run_checks" : "checks", {});
        if (!result) return ctx.fail(result.error());
        const json::object& reply = result->as_object();
        bool failed = false;
        if (const auto* items = reply.if_contains("checks"); items && items->is_array())
            for (const auto& item : items->as_array())
                if (item.is_object() && str(item.as_object(), "state") == "failed") failed = true;
        if (ctx.options.json)
            print_json(ctx.out, *result);
        else
            print_human(ctx, reply);
        return failed ? kExitError : kExitOk;
    }

  private:
    // The session's checks first, then (with --run) the service's run: one answer with both.
    static Result<json::value> report_and_run(Context& ctx, bool run) {
        auto client = IpcClient::connect(platform::from_utf8(ctx.options.data_dir));
        if (!client) return client.error();
        SystemClock clock;
        checks::CheckContext context{clock};
        const auto run_here = [&](const std::vector<CheckDefinition>& session) {
            return checks::run_session_checks(session, context);
        };
        CW_TRY_ASSIGN(sent, report_session_checks(**client, run_here, {{"client", "cli"}}));
        if (!run) return sent.reply;
        return (*client)->call("run_checks", {{"client", "cli"}});
    }

    static void print_human(const Context& ctx, const json::object& reply) {
        const bool ja = ctx.ja();
        const auto* in_service = reply.if_contains("in_service");
        if (in_service && in_service->is_bool() && !in_service->as_bool())
            ctx.out << (ja ? "このサービスはチェックを実行しません（[checks] in_service = "
                             "false）。`credwatch doctor` で確認できます。\n"
                           : "The service does not run the checks ([checks] in_service = false); "
                             "`credwatch doctor` runs them here.\n");
        if (const auto* t = reply.if_contains("throttled"); t && t->is_bool() && t->as_bool())
            ctx.out << (ja ? "30 秒以内に実行したばかりです: 前回の結果を表示します。\n"
                           : "They ran less than 30 s ago: the last results.\n");
        const auto& items = reply.at("checks").as_array();
        if (items.empty()) ctx.out << (ja ? "まだ結果がありません。\n" : "No results yet.\n");
        std::string system;
        for (const auto& item : items) {
            const json::object& c = item.as_object();
            if (str(c, "system") != system) {
                system = str(c, "system");
                ctx.out << "== " << system << "\n";
            }
            const std::string state = str(c, "state");
            const auto parsed = parse_check_state(state);
            ctx.out << "[" << (parsed ? state_label(*parsed, ja) : std::string_view(state)) << "] "
                    << str(c, ja ? "title_ja" : "title_en") << "  (" << str(c, "id") << ")";
            if (const std::string user = str(c, "user"); !user.empty())
                ctx.out << (ja ? "  " + user + " のセッション" : "  session of " + user);
            ctx.out << "\n";
            ctx.out << "    " << (ja ? "結果: " : "found: ")
                    << str(c, ja ? "evidence_ja" : "evidence_en") << "\n";
            if (state == "failed" || state == "warning") {
                if (c.at("failing_since").is_string())
                    ctx.out << "    " << (ja ? "失敗の開始: " : "failing since: ")
                            << str(c, "failing_since") << "\n";
                ctx.out << "    " << (ja ? "対処: " : "fix: ") << str(c, ja ? "fix_ja" : "fix_en")
                        << "\n";
                ctx.out << "    " << (ja ? "マニュアル: " : "manual: ") << str(c, "manual") << "\n";
            }
        }
        const auto when = [&](std::string_view key) {
            const auto* v = reply.if_contains(key);
            return v && v->is_string() ? std::string(v->as_string()) : std::string("-");
        };
        ctx.out << "\n"
                << (ja ? "前回: " : "last run: ") << when("last_run") << "  "
                << (ja ? "次回: " : "next run: ") << when("next_run") << "\n";
    }

    bool run_ = false;
    bool report_ = false;
};

}  // namespace

void add_checks_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<ChecksCommand>());
}

}  // namespace credwatch::cli
