// password-changed, renewed, issued: what happened to a credential.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"
#include "output.hpp"

#include <fmt/format.h>

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

// The issuance ledger: one line per issuance, oldest first.
class IssuancesCommand final : public Command {
  public:
    std::string name() const override { return "issuances"; }
    std::string description() const override {
        return "List the issuance ledger: each certificate issued, how it is known, by whom";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("credential", credential_, "Issuance-count credential id (default: all)");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params;
        if (!credential_.empty()) params["credential"] = credential_;
        return ctx.call("issuances", params, [&](const json::value& v) {
            const auto& rows = v.at("issuances").as_array();
            if (rows.empty()) ctx.out << "No issuance recorded.\n";
            for (const auto& e : rows) {
                const auto& o = e.as_object();
                std::string what;
                if (const auto* total = o.if_contains("total"); total && total->is_int64())
                    what = fmt::format("total {}", total->as_int64());
                else if (!str(o, "certificate_sha256").empty())
                    what = fmt::format("sha256:{} {}", str(o, "certificate_sha256").substr(0, 16),
                                       str(o, "subject"));
                else
                    what = "(no certificate yet)";
                std::string where =
                    str(o, "imported_from").empty() ? "" : " from " + str(o, "imported_from");
                ctx.out << fmt::format(
                    "{}  {} {} {}  {}{}{}\n", str(o, "at"), pad_right(str(o, "how"), 8),
                    pad_right(str(o, "credential"), 36), pad_right(str(o, "os_user"), 10), what,
                    where, str(o, "note").empty() ? "" : "  (" + str(o, "note") + ")");
            }
        });
    }

  private:
    std::string credential_;
};

}  // namespace

void add_record_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<RenewalCommand>(
        "password-changed", "Record that a password was changed (today, or --on DATE)"));
    commands.push_back(std::make_unique<RenewalCommand>(
        "renewed", "Record that a document was obtained again (e.g. a new e-filing form)"));
    commands.push_back(std::make_unique<IssuedCommand>());
    commands.push_back(std::make_unique<IssuancesCommand>());
}

}  // namespace credwatch::cli
