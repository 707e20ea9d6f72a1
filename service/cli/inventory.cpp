// inventory, rescan, bind: the certificates the service has found.

#include "command.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

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
        return ctx.call("bind", {{"sha256", sha256_}, {"credential", credential_}},
                        [&](const json::value&) { ctx.out << "OK\n"; });
    }

  private:
    std::string sha256_, credential_;
};

}  // namespace

void add_inventory_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<InventoryCommand>());
    commands.push_back(std::make_unique<RescanCommand>());
    commands.push_back(std::make_unique<BindCommand>());
}

}  // namespace credwatch::cli
