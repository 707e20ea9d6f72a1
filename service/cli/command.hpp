#pragma once
// The command interface of the `credwatch` CLI: each command names itself, registers its
// options and positionals on its CLI11 subcommand, and runs against a Context that holds the
// global options, the streams (injected, so that tests capture them) and the way to the service.

#include "credwatch/base/error.hpp"
#include "credwatch/base/lang.hpp"
#include "credwatch/domain/checks.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::cli {

// Exit codes, documented in docs/cli.md.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;      // the service refused the request (unknown credential, ...)
constexpr int kExitUsage = 2;      // the command line itself is wrong
constexpr int kExitNoService = 3;  // the service is not running

struct GlobalOptions {
    std::string data_dir;
    std::string lang = "auto";
    bool json = false;  // --json of the subcommand, shared by all
};

class Context {
  public:
    Context(GlobalOptions& global_options, std::ostream& out_stream, std::ostream& err_stream,
            std::istream& in_stream)
        : options(global_options), out(out_stream), err(err_stream), in(in_stream) {}

    GlobalOptions& options;
    std::ostream& out;
    std::ostream& err;
    std::istream& in;

    Lang language() const;
    bool ja() const { return language() == Lang::ja; }

    // The error on err, and its exit code (kExitNoService when the service is not running).
    int fail(const Error& error) const;

    // One request to the service, its result returned (for commands that need several).
    [[nodiscard]] Result<boost::json::value> request(std::string_view method,
                                                     boost::json::object params) const;

    // One request; prints the JSON reply with --json, else calls `human` on it.
    int call(std::string_view method, boost::json::object params,
             const std::function<void(const boost::json::value&)>& human) const;
};

class Command {
  public:
    virtual ~Command() = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;
    // Options and positionals of the command, bound to members of the command.
    virtual void register_options(CLI::App& sub, GlobalOptions& options) = 0;
    virtual int run(Context& context) = 0;
    // Subcommands of this command (`export ics`, `export csv`); none for most.
    virtual std::vector<std::unique_ptr<Command>> subcommands() { return {}; }
};

// The string field `key` of an object, "" when absent or not a string.
std::string str(const boost::json::object& o, std::string_view key);

// Adds --json to a subcommand.
void add_json_flag(CLI::App& sub, GlobalOptions& options);

// The commands, by group (one source file each).
void add_status_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_record_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_credential_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_reminder_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_inventory_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_admin_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_scan_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_export_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_mail_commands(std::vector<std::unique_ptr<Command>>& commands);
// ledger.cpp: `import ledger`, and `export ledger` for the export group (export.cpp).
void add_import_commands(std::vector<std::unique_ptr<Command>>& commands);
std::unique_ptr<Command> make_export_ledger_command();
void add_backup_commands(std::vector<std::unique_ptr<Command>>& commands);
void add_doctor_commands(std::vector<std::unique_ptr<Command>>& commands);  // doctor.cpp
// 正常 / ok, 失敗 / FAILED, ...: a check's state as doctor and checks print it (doctor.cpp).
std::string_view state_label(CheckState state, bool ja);
void add_checks_commands(std::vector<std::unique_ptr<Command>>& commands);  // checks.cpp
// A damaged or recovered database, from the status reply (backup.cpp); nothing when healthy.
void print_store_health(const Context& context, const boost::json::object& status);

// Shared by the commands that change one credential (status.cpp): "Recorded." and its row.
void print_row_change(const Context& context, const boost::json::value& row);
// The open reminders under a heading (status.cpp); nothing when there are none.
void print_reminders(const Context& context, const boost::json::array& reminders);

}  // namespace credwatch::cli
