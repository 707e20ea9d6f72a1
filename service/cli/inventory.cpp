// inventory, rescan, bind, candidates, match: the certificates the service has found.

#include "command.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

std::string describe_learnt(const json::object& o) {
    std::string text = "issuer \"" + str(o, "issuer") + "\"";
    if (auto subject = str(o, "subject_contains"); !subject.empty())
        text += ", subject contains \"" + subject + "\"";
    return text + fmt::format(" (from {}, by {} at {})", str(o, "learnt_from").substr(0, 16),
                              str(o, "by"), str(o, "learnt_at"));
}

class InventoryCommand final : public Command {
  public:
    std::string name() const override { return "inventory"; }
    std::string description() const override { return "Every certificate the service knows of"; }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("inventory", {}, [&](const json::value& v) {
            for (const auto& c : v.at("certificates").as_array()) {
                const auto& o = c.as_object();
                ctx.out << fmt::format(
                    "{}  [{}]\n  subject:   {}\n  not after: {}\n  sha256:    {}\n", str(o, "path"),
                    str(o, "owner"), str(o, "subject"), str(o, "not_after"), str(o, "sha256"));
                if (auto t = str(o, "tracked_as"); !t.empty())
                    ctx.out << "  tracked as: " << t << "\n";
                if (auto r = str(o, "replaced_by"); !r.empty())
                    ctx.out << "  replaced by: " << r << "\n";
            }
            for (const auto& f : v.at("failures").as_array())
                ctx.out << str(f.as_object(), "path")
                        << "\n  error: " << str(f.as_object(), "error") << "\n";
        });
    }
};

class RescanCommand final : public Command {
  public:
    std::string name() const override { return "rescan"; }
    std::string description() const override {
        return "Scan certificate folders and re-evaluate now";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("rescan", {}, [&](const json::value& v) {
            ctx.out << fmt::format("certificates: {}, unreadable files: {}, reminders raised: {}\n",
                                   v.at("certificates").to_number<std::int64_t>(),
                                   v.at("failures").to_number<std::int64_t>(),
                                   v.at("reminders_raised").to_number<std::int64_t>());
        });
    }
};

class BindCommand final : public Command {
  public:
    std::string name() const override { return "bind"; }
    std::string description() const override {
        return "Track an inventory certificate as a credential";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("sha256", sha256_, "SHA-256 thumbprint from `credwatch inventory`")
            ->required();
        sub.add_option("credential", credential_, "Credential id")->required();
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call(
            "bind", {{"sha256", sha256_}, {"credential", credential_}}, [&](const json::value& v) {
                ctx.out << "OK\n";
                if (const auto* l = v.as_object().if_contains("learnt"); l && l->is_object())
                    ctx.out << "learnt: " << describe_learnt(l->as_object()) << "\n";
            });
    }

  private:
    std::string sha256_, credential_;
};

// "system/kind" or a kind id alone into the request's parameters.
json::object kind_params(const std::string& text) {
    json::object params;
    if (text.empty()) return params;
    if (auto slash = text.find('/'); slash != std::string::npos) {
        params["system"] = text.substr(0, slash);
        params["kind"] = text.substr(slash + 1);
    } else {
        params["kind"] = text;
    }
    return params;
}

class CandidatesCommand final : public Command {
  public:
    std::string name() const override { return "candidates"; }
    std::string description() const override {
        return "Certificates that may be a kind's certificate, to confirm with `bind`";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("kind", kind_, "Kind: system/kind or a kind id (default: every kind)");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        return ctx.call("candidates", kind_params(kind_), [&](const json::value& v) {
            for (const auto& k : v.at("kinds").as_array()) {
                const auto& o = k.as_object();
                ctx.out << fmt::format("{}/{}  {}\n", str(o, "system"), str(o, "kind"),
                                       str(o, ctx.ja() ? "name_ja" : "name_en"));
                if (const auto* l = o.if_contains("learnt"); l && l->is_object()) {
                    ctx.out << "  learnt: " << describe_learnt(l->as_object()) << "\n";
                    continue;
                }
                const auto& found = o.at("candidates").as_array();
                if (found.empty()) ctx.out << "  no candidates\n";
                for (const auto& c : found) {
                    const auto& co = c.as_object();
                    ctx.out << fmt::format(
                        "  {}  [{}]\n    subject:  {}\n    issuer:   {}\n    valid:    {} .. "
                        "{}\n    sha256:   {}\n",
                        str(co, "path"), str(co, "owner"), str(co, "subject"), str(co, "issuer"),
                        str(co, "not_before"), str(co, "not_after"), str(co, "sha256"));
                }
                if (!found.empty()) ctx.out << "  confirm one: credwatch bind SHA256 CREDENTIAL\n";
            }
        });
    }

  private:
    std::string kind_;
};

class MatchCommand final : public Command {
  public:
    std::string name() const override { return "match"; }
    std::string description() const override {
        return "Reset a kind's learnt certificate match (administrator)";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("action", action_, "reset")->required()->check(CLI::IsMember({"reset"}));
        sub.add_option("kind", kind_, "Kind: system/kind")->required();
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        json::object params = kind_params(kind_);
        if (!params.contains("system"))
            return ctx.fail(make_error(Errc::invalid_argument,
                                       fmt::format("kind \"{}\": give it as system/kind, e.g. "
                                                   "cancer-registry/service-certificate",
                                                   kind_)));
        return ctx.call("reset_match", std::move(params), [&](const json::value& v) {
            ctx.out << (v.at("reset").as_bool() ? "reset\n" : "nothing learnt\n");
        });
    }

  private:
    std::string action_, kind_;
};

}  // namespace

void add_inventory_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<InventoryCommand>());
    commands.push_back(std::make_unique<RescanCommand>());
    commands.push_back(std::make_unique<BindCommand>());
    commands.push_back(std::make_unique<CandidatesCommand>());
    commands.push_back(std::make_unique<MatchCommand>());
}

}  // namespace credwatch::cli
