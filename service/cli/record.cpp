// password-changed, renewed, issued: what happened to a credential.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"

namespace credwatch::cli {

namespace json = boost::json;

namespace {

// password-changed and renewed: the same request, a different description.
class RenewalCommand final : public Command {
  public:
    RenewalCommand(std::string name, std::string description)
        : name_(std::move(name)), description_(std::move(description)) {}
    std::string name() const override { return name_; }
    std::string description() const override { return description_; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("credential", credential_, "Credential id (see `credwatch list`)")
            ->required();
        sub.add_option("--on", on_, "Date of the change (YYYY-MM-DD), default today");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params{{"credential", credential_}};
        if (!on_.empty()) {
            if (auto date = parse_date(on_); !date) return ctx.fail(date.error());
            params["on"] = on_;
        }
        return ctx.call("record_renewal", params,
                        [&](const json::value& v) { print_row_change(ctx, v); });
    }

  private:
    std::string name_, description_;
    std::string credential_, on_;
};

class IssuedCommand final : public Command {
  public:
    std::string name() const override { return "issued"; }
    std::string description() const override {
        return "Record that a certificate was issued (counts against the limit)";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("credential", credential_, "Issuance-count credential id")->required();
        sub.add_option("--total", total_,
                       "Set the count of issuances made so far instead of adding one")
            ->check(CLI::NonNegativeNumber);
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params{{"credential", credential_}};
        if (total_ >= 0) params["total"] = total_;
        return ctx.call("record_issuance", params,
                        [&](const json::value& v) { print_row_change(ctx, v); });
    }

  private:
    std::string credential_;
    int total_ = -1;
};

}  // namespace

void add_record_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<RenewalCommand>(
        "password-changed", "Record that a password was changed (today, or --on DATE)"));
    commands.push_back(std::make_unique<RenewalCommand>(
        "renewed", "Record that a document was obtained again (e.g. a new e-filing form)"));
    commands.push_back(std::make_unique<IssuedCommand>());
}

}  // namespace credwatch::cli
