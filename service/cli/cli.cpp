#include "cli.hpp"

#include "command.hpp"
#include "credwatch/platform/platform.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

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
    add_import_commands(commands);
    add_backup_commands(commands);
    add_doctor_commands(commands);
    add_checks_commands(commands);
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

// Logs (OpenSSL warnings of the scanner, ...) go to stderr: stdout is for the output, and
// `--json` output must stay pure JSON. spdlog's own default logger writes to stdout.
void log_to_stderr() {
    auto logger = std::make_shared<spdlog::logger>(
        "", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    spdlog::set_default_logger(std::move(logger));
}

// `program` is argv[0], shown in the usage line as CLI11 does.
int run_program(const std::string& program, const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err, std::istream& in) try {
    log_to_stderr();
    CLI::App app{
        "credwatch: deadlines of passwords and certificates for the national medical online "
        "systems"};
    app.set_version_flag("--version", CREDWATCH_VERSION);
    app.require_subcommand(1);
    GlobalOptions options;
    options.data_dir = platform::to_utf8(platform::default_data_dir());
    app.add_option("--data-dir", options.data_dir, "Data directory of the service to talk to")
        ->capture_default_str();
    app.add_option("--lang", options.lang, "ja, en or auto (from the locale)")
        ->capture_default_str();

    Command* selected = nullptr;
    std::vector<std::unique_ptr<Command>> owned;
    for (auto& command : all_commands())
        register_command(app, std::move(command), options, selected, owned);

    try {
        std::vector<std::string> argv_storage{program};
        argv_storage.insert(argv_storage.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_storage) argv.push_back(a.data());
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e, out, err);
        return rc == 0 ? kExitOk : kExitUsage;
    }
    if (selected == nullptr) return kExitUsage;
    Context context(options, out, err, in);
    return selected->run(context);
} catch (const std::exception& e) {
    err << "credwatch: " << e.what() << "\n";
    return kExitError;
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
