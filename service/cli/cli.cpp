#include "cli.hpp"

#include "command.hpp"
#include "credwatch/platform/platform.hpp"

#include <iostream>
#include <memory>
#include <vector>

namespace credwatch::cli {

namespace {

std::vector<std::unique_ptr<Command>> all_commands() {
    std::vector<std::unique_ptr<Command>> commands;
    add_status_commands(commands);
    add_record_commands(commands);
    add_credential_commands(commands);
    add_reminder_commands(commands);
    add_inventory_commands(commands);
    add_admin_commands(commands);
    add_scan_commands(commands);
    add_export_commands(commands);
    add_mail_commands(commands);
    return commands;
}

// A command's subcommand on `parent`; `selected` is set when the command line names it. The
// commands (and their children) stay alive in `owned` while the app parses and runs.
void register_command(CLI::App& parent, std::unique_ptr<Command> command, GlobalOptions& options,
                      Command*& selected, std::vector<std::unique_ptr<Command>>& owned) {
    CLI::App* sub = parent.add_subcommand(command->name(), command->description());
    command->register_options(*sub, options);
    auto children = command->subcommands();
    if (children.empty()) {
        Command* raw = command.get();
        sub->callback([&selected, raw] { selected = raw; });
    } else {
        sub->require_subcommand(1);
        for (auto& child : children)
            register_command(*sub, std::move(child), options, selected, owned);
    }
    owned.push_back(std::move(command));
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        std::istream& in) {
    return run_program("credwatch", args, out, err, in);
}

int run(int argc, char** argv) {
    auto args = platform::utf8_arguments(argc, argv);  // Windows: UTF-8, not the ANSI code page
    if (args.empty()) return run({}, std::cout, std::cerr, std::cin);
    const std::string program = args.front();
    args.erase(args.begin());
    return run_program(program, args, std::cout, std::cerr, std::cin);
}

}  // namespace credwatch::cli
