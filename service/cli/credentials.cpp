// add, remove: which credentials are tracked.

#include "command.hpp"

#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

class AddCommand final : public Command {
  public:
    std::string name() const override { return "add"; }
    std::string description() const override { return "Track another credential"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("credential", credential_, "New credential id")->required();
        sub.add_option("--system", system_, "System id from the catalog")->required();
        sub.add_option("--kind", kind_, "Credential kind id from the catalog")->required();
        sub.add_option("--label", label_, "Label shown to people");
        sub.add_option("--owner", owner_, "\"machine\" or an OS user name");
        sub.add_option("--document", document_, "Document file whose time counts (document kinds)");
        sub.add_option("--limit", limit_, "Issuance limit instead of the catalog's")
            ->check(CLI::PositiveNumber);
        sub.add_option("--lifetime-days", lifetime_days_, "Lifetime instead of the catalog's")
            ->check(CLI::PositiveNumber);
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params{{"credential", credential_}, {"system", system_}, {"kind", kind_}};
        if (!label_.empty()) params["label"] = label_;
        if (!owner_.empty()) params["owner"] = owner_;
        if (!document_.empty()) params["document_path"] = document_;
        if (limit_ > 0) params["limit"] = limit_;
        if (lifetime_days_ > 0) params["lifetime_days"] = lifetime_days_;
        return ctx.call("add", params, [&](const json::value& v) { print_row_change(ctx, v); });
    }

  private:
    std::string credential_, system_, kind_, label_, owner_, document_;
    int limit_ = 0;
    int lifetime_days_ = 0;
};

class RemoveCommand final : public Command {
  public:
    std::string name() const override { return "remove"; }
    std::string description() const override { return "Stop tracking a credential"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("credential", credential_, "Credential id")->required();
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("remove", {{"credential", credential_}}, [&](const json::value&) {
            ctx.out << (ctx.ja() ? "削除しました: " : "Removed: ") << credential_ << "\n";
        });
    }

  private:
    std::string credential_;
};

}  // namespace

void add_credential_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<AddCommand>());
    commands.push_back(std::make_unique<RemoveCommand>());
}

}  // namespace credwatch::cli
