// credwatch-service: keeps the deadlines of the tracked credentials and raises reminders.

#include "installer_settings.hpp"
#include "service_entry.hpp"

#include "credwatch/base/logging.hpp"
#include "credwatch/catalog/site_edit.hpp"
#include "credwatch/platform/platform.hpp"

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) try {
    CLI::App app{"credwatch-service: tracks credential deadlines and raises reminders"};
    app.set_version_flag("--version", CREDWATCH_VERSION);
    std::string data_dir = credwatch::platform::to_utf8(credwatch::platform::default_data_dir());
    std::string site_file, catalog_file, log_level = "info";
    bool quiet = false, recover_empty = false;
    app.add_option("--data-dir", data_dir,
                   "Folder holding the database, the IPC endpoint and the logs")
        ->capture_default_str();
    app.add_option(
        "--config", site_file,
        "Site configuration file (default: DATA_DIR/site.toml if present, else the bundled one)");
    app.add_option("--catalog", catalog_file, "Catalog of systems (default: the bundled catalog)");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->capture_default_str();
    app.add_flag("--quiet", quiet, "Do not print the status table and reminders on the console");
    app.add_flag("--recover-empty", recover_empty,
                 "The database is damaged and no backup passes its integrity check: move it "
                 "aside (it is kept) and start on an empty ledger (docs/reliability.md)");
    auto* install =
        app.add_subcommand("install",
                           "Windows: register the service with the SCM (as LocalSystem, "
                           "started at boot, with the options given)")
            ->fallthrough();
    auto* uninstall =
        app.add_subcommand("uninstall", "Windows: stop and remove the service")->fallthrough();
    auto* configure =
        app.add_subcommand("configure",
                           "Edit DATA_DIR/site.toml (or --config): set the keys given, "
                           "create the file from the bundled default when missing "
                           "(used by the MSI installer; docs/deployment.md)")
            ->fallthrough();
    std::vector<std::string> settings;
    configure->add_option("--set", settings,
                          "key=value; an empty value leaves the key as it is. Keys: email.to, "
                          "email.smtp_host, email.smtp_port, email.from, email.tls, "
                          "thresholds.password, thresholds.certificate, "
                          "service.certificate_folders, service.organisation, service.language, "
                          "service.systems, "
                          "metrics.textfile, metrics.site_id, metrics.account");
    bool from_installer = false;
    configure->add_flag("--from-installer", from_installer,
                        "Windows: also take the settings the MSI wrote to "
                        "HKLM\\Software\\credwatch\\Installer (then deleted there)");
    app.require_subcommand(0, 1);
    auto args =
        credwatch::platform::utf8_arguments(argc, argv);  // Windows: UTF-8, not the ANSI code page
    std::vector<char*> utf8_argv;
    for (auto& a : args) utf8_argv.push_back(a.data());
    CLI11_PARSE(app, static_cast<int>(utf8_argv.size()), utf8_argv.data());

    credwatch::ServiceOptions options;
    options.data_dir = credwatch::platform::from_utf8(data_dir);
    options.site_file = credwatch::platform::from_utf8(site_file);
    options.catalog_file = credwatch::platform::from_utf8(catalog_file);
    options.console = quiet ? nullptr : &std::cout;
    options.recover_empty = recover_empty;
    if (configure->parsed()) {
        // The installer runs this as a custom action whose output Windows Installer does not
        // log: the outcome also goes to DATA_DIR/logs/configure.log (keys only, no values).
        // The folder first (created with its ACL, or taken over, or refused), then its content.
        auto restricted = credwatch::platform::restrict_data_directory(options.data_dir);
        std::error_code ec;
        if (restricted) std::filesystem::create_directories(options.data_dir / "logs", ec);
        auto file = options.site_file.empty() ? options.data_dir / "site.toml" : options.site_file;
        auto record = [&](const std::string& line) {
            std::ofstream out(options.data_dir / "logs" / "configure.log",
                              std::ios::app | std::ios::binary);
            auto now =
                fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
            out << fmt::format("{:%Y-%m-%dT%H:%M:%SZ} credwatch-service {} configure: ", now,
                               CREDWATCH_VERSION)
                << line << "\n";
        };
        if (!restricted) {
            std::cerr << "credwatch-service configure: " << restricted.error().message << "\n";
            return 2;
        }
        if (from_installer) {
            auto taken = credwatch::take_installer_settings();
            if (!taken) {
                std::cerr << "credwatch-service configure: " << taken.error().message << "\n";
                record("refused: " + taken.error().message);
                return 2;
            }
            settings.insert(settings.end(), taken->begin(), taken->end());
        }
        credwatch::SiteEdits edits;
        std::string keys;
        for (auto& setting : settings) {
            if (auto st = credwatch::set_site_setting(edits, setting); !st) {
                std::cerr << "credwatch-service configure: " << st.error().message << "\n";
                record("refused: " + st.error().message);
                return 2;
            }
            auto eq = setting.find('=');
            if (eq != std::string::npos && eq + 1 < setting.size())
                keys += (keys.empty() ? "" : ", ") + setting.substr(0, eq);
        }
        auto changed = credwatch::edit_site_file(file, edits, options.catalog_file);
        if (!changed) {
            std::cerr << "credwatch-service configure: " << changed.error().message << "\n";
            record("refused: " + changed.error().message);
            return 2;
        }
        auto what =
            std::string(*changed ? "updated " : "unchanged ") + credwatch::platform::to_utf8(file);
        record(what + (keys.empty() ? " (no setting given)" : " (" + keys + ")"));
        std::cout << what << "\n";
        return 0;
    }
    for (auto* command : {install, uninstall})
        if (command->parsed()) return credwatch::run_service_command(command->get_name(), options);
    credwatch::init_logging(options.data_dir / "logs", true, log_level);
    return credwatch::run_service(options);
} catch (const std::exception& e) {
    std::cerr << "credwatch-service: " << e.what() << "\n";
    return 1;
}
