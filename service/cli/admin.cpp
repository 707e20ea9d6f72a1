// audit: who changed what.

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

}  // namespace

void add_admin_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<AuditCommand>());
}

}  // namespace credwatch::cli
