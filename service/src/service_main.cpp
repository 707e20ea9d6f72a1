// credwatch-service: keeps the deadlines of the tracked credentials and raises reminders.

#include "service_entry.hpp"

#include "credwatch/logging.hpp"
#include "credwatch/platform.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

int main(int argc, char** argv) try {
    CLI::App app{"credwatch-service: tracks credential deadlines and raises reminders"};
    app.set_version_flag("--version", CREDWATCH_VERSION);
    std::string data_dir = credwatch::platform::to_utf8(credwatch::platform::default_data_dir());
    std::string site_file, catalog_file, log_level = "info";
    bool quiet = false;
    app.add_option("--data-dir", data_dir, "Folder holding the database, the IPC endpoint and the logs")
        ->capture_default_str();
    app.add_option("--config", site_file, "Site configuration file (default: DATA_DIR/site.toml if present, else the bundled one)");
    app.add_option("--catalog", catalog_file, "Catalog of systems (default: the bundled catalog)");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
    app.add_flag("--quiet", quiet, "Do not print the status table and reminders on the console");
    auto* install = app.add_subcommand("install", "Windows: register the service with the SCM (as LocalSystem, "
                                                  "started at boot, with the options given)")->fallthrough();
    auto* uninstall = app.add_subcommand("uninstall", "Windows: stop and remove the service")->fallthrough();
    app.require_subcommand(0, 1);
    auto args = credwatch::platform::utf8_arguments(argc, argv);  // Windows: UTF-8, not the ANSI code page
    std::vector<char*> utf8_argv;
    for (auto& a : args) utf8_argv.push_back(a.data());
    CLI11_PARSE(app, static_cast<int>(utf8_argv.size()), utf8_argv.data());

    credwatch::ServiceOptions options;
    options.data_dir = credwatch::platform::from_utf8(data_dir);
    options.site_file = credwatch::platform::from_utf8(site_file);
    options.catalog_file = credwatch::platform::from_utf8(catalog_file);
    options.console = quiet ? nullptr : &std::cout;
    for (auto* command : {install, uninstall})
        if (command->parsed()) return credwatch::run_service_command(command->get_name(), options);
    credwatch::init_logging(options.data_dir / "logs", true, log_level);
    return credwatch::run_service(options);
} catch (const std::exception& e) {
    std::cerr << "credwatch-service: " << e.what() << "\n";
    return 1;
}
