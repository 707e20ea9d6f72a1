// audit: who changed what; systems: the systems the site uses.

#include "command.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

class AuditCommand final : public Command {
  public:
    std::string name() const override { return "audit"; }
    std::string description() const override { return "Who changed what, newest first"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("--limit", limit_, "How many entries")->check(CLI::Range(1, 10000));
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("audit", {{"limit", limit_}}, [&](const json::value& v) {
            for (const auto& e : v.at("audit").as_array()) {
                const auto& o = e.as_object();
                ctx.out << fmt::format("{}  {} {} {}  {} -> {}  ({})\n", str(o, "at"),
                                       pad_right(str(o, "os_user"), 10),
                                       pad_right(str(o, "action"), 18), str(o, "target"),
                                       str(o, "old_value"), str(o, "new_value"), str(o, "via"));
            }
        });
    }

  private:
    int limit_ = 50;
};

// `credwatch systems` lists the catalog's systems and marks the site's; `credwatch systems set
// ID...` chooses them (administrators: the set_systems request edits the service's site file).
class SystemsCommand final : public Command {
  public:
    std::string name() const override { return "systems"; }
    std::string description() const override {
        return "The systems this site uses (list), or choose them: systems set ID...";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("words", words_, "set ID... (catalog system ids)");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        if (words_.empty()) return list(ctx);
        if (words_.front() != "set" || words_.size() < 2) {
            ctx.err << (ctx.ja() ? "使い方: credwatch systems [set ID...]\n"
                                 : "usage: credwatch systems [set ID...]\n");
            return kExitUsage;
        }
        json::array ids;
        for (auto it = words_.begin() + 1; it != words_.end(); ++it) ids.emplace_back(*it);
        return ctx.call("set_systems", {{"systems", std::move(ids)}}, [&](const json::value& v) {
            std::string chosen;
            for (const auto& id : v.at("systems").as_array())
                chosen += (chosen.empty() ? "" : ", ") + std::string(id.as_string());
            const bool changed = v.at("changed").as_bool();
            ctx.out << (ctx.ja() ? fmt::format("このサイトのシステム: {}{}\n", chosen,
                                               changed ? "" : "（変更なし）")
                                 : fmt::format("Systems of this site: {}{}\n", chosen,
                                               changed ? "" : " (unchanged)"));
        });
    }

  private:
    int list(Context& ctx) const {
        return ctx.call("catalog", {}, [&](const json::value& v) {
            const auto& o = v.as_object();
            const auto* site = o.if_contains("site_systems");
            const bool chosen = site && site->is_array();
            const auto uses = [&](std::string_view id) {
                if (!chosen) return true;
                for (const auto& s : site->as_array())
                    if (s.is_string() && s.as_string() == id) return true;
                return false;
            };
            if (!chosen)
                ctx.out << (ctx.ja() ? "サイトのシステムは未選択です（すべて追跡します）。\n"
                                     : "The site has chosen no systems (all are tracked).\n");
            for (const auto& s : o.at("systems").as_array()) {
                const auto& system = s.as_object();
                const std::string id = str(system, "id");
                ctx.out << fmt::format("{} {}  {}\n", chosen && uses(id) ? "*" : " ",
                                       pad_right(id, 20),
                                       str(system, ctx.ja() ? "name_ja" : "name_en"));
            }
        });
    }
    std::vector<std::string> words_;
};

}  // namespace

void add_admin_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<AuditCommand>());
    commands.push_back(std::make_unique<SystemsCommand>());
}

}  // namespace credwatch::cli
