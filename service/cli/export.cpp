// export ics, export csv: the deadlines and the inventory as files for other programs.

#include "command.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/notify/exports.hpp"
#include "credwatch/platform/platform.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/host_name.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

namespace credwatch::cli {

namespace json = boost::json;

namespace {

std::string host_name() {
    boost::system::error_code ec;
    std::string host = boost::asio::ip::host_name(ec);
    return ec || host.empty() ? std::string("localhost") : host;
}

// Writes an export to FILE, or to the output stream for "" and "-" (byte for byte: the CRLF
// line ends and the BOM of the exports must reach the file unchanged).
int write_output(const Context& ctx, const std::string& output, const std::string& content) {
    if (output.empty() || output == "-") {
#ifdef _WIN32
        if (&ctx.out == &std::cout) {  // the console's text mode would turn \n into \r\n
            std::cout.flush();
            std::fflush(stdout);
            _setmode(_fileno(stdout), _O_BINARY);
        }
#endif
        ctx.out.write(content.data(), static_cast<std::streamsize>(content.size()));
        ctx.out.flush();
        return kExitOk;
    }
    std::ofstream file(platform::from_utf8(output), std::ios::binary | std::ios::trunc);
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    file.close();
    if (!file) return ctx.fail(make_error(Errc::io_error, fmt::format("cannot write {}", output)));
    ctx.err << (ctx.ja() ? "書き出しました: " : "Written: ") << output << "\n";
    return kExitOk;
}

class IcsCommand final : public Command {
  public:
    std::string name() const override { return "ics"; }
    std::string description() const override {
        return "Calendar file: one all-day event per deadline, with an alarm";
    }
    void register_options(CLI::App& sub, GlobalOptions&) override {
        sub.add_option("--output,-o", output_, "File to write (default or -: standard output)");
        sub.add_option("--lang", lang_, "ja or en (default: --lang of credwatch)")
            ->check(CLI::IsMember({"ja", "en", "auto"}));
    }
    int run(Context& ctx) override {
        auto status = ctx.request("status", {});
        if (!status) return ctx.fail(status.error());
        auto catalog = ctx.request("catalog", {});
        if (!catalog) return ctx.fail(catalog.error());
        std::vector<Procedure> procedures;
        for (const auto& p : catalog->at("procedures").as_array())
            if (auto procedure = procedure_from_json(p))
                procedures.push_back(std::move(*procedure));
        IcsOptions options;
        options.lang = resolve_language(lang_.empty() ? ctx.options.lang : lang_);
        options.now = std::chrono::system_clock::now();
        options.uid_domain = host_name();
        for (const auto& system : catalog->at("systems").as_array()) {
            const auto& so = system.as_object();
            for (const auto& kind : so.at("kinds").as_array()) {
                const auto& ko = kind.as_object();
                const auto* thresholds = ko.if_contains("thresholds");
                if (thresholds && thresholds->is_array() && !thresholds->as_array().empty() &&
                    thresholds->as_array().front().is_int64())
                    options.alarm_days[str(so, "id") + "/" + str(ko, "id")] =
                        static_cast<int>(thresholds->as_array().front().as_int64());
            }
        }
        return write_output(
            ctx, output_,
            export_ics(status_rows_from_json(status->at("credentials")), procedures, options));
    }

  private:
    std::string output_, lang_;
};

class CsvCommand final : public Command {
  public:
    std::string name() const override { return "csv"; }
    std::string description() const override {
        return "CSV (UTF-8 with BOM, CRLF) that Excel opens with the Japanese intact";
    }
    void register_options(CLI::App& sub, GlobalOptions&) override {
        sub.add_option("what", what_, "deadlines or inventory")
            ->required()
            ->check(CLI::IsMember({"deadlines", "inventory"}));
        sub.add_option("--output,-o", output_, "File to write (default or -: standard output)");
    }
    int run(Context& ctx) override {
        const Lang lang = ctx.language();
        if (what_ == "deadlines") {
            auto status = ctx.request("status", {});
            if (!status) return ctx.fail(status.error());
            return write_output(
                ctx, output_,
                export_deadlines_csv(status_rows_from_json(status->at("credentials")), lang));
        }
        auto inventory = ctx.request("inventory", {});
        if (!inventory) return ctx.fail(inventory.error());
        return write_output(
            ctx, output_,
            export_inventory_csv(inventory_entries_from_json(inventory->at("certificates")), lang));
    }

  private:
    std::string what_, output_;
};

class ExportCommand final : public Command {
  public:
    std::string name() const override { return "export"; }
    std::string description() const override {
        return "Write the deadlines as a calendar (.ics) or a CSV for Excel, or the ledger";
    }
    void register_options(CLI::App&, GlobalOptions&) override {}
    int run(Context&) override { return kExitUsage; }  // a subcommand runs instead
    std::vector<std::unique_ptr<Command>> subcommands() override {
        std::vector<std::unique_ptr<Command>> children;
        children.push_back(std::make_unique<IcsCommand>());
        children.push_back(std::make_unique<CsvCommand>());
        children.push_back(make_export_ledger_command());
        return children;
    }
};

}  // namespace

void add_export_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<ExportCommand>());
}

}  // namespace credwatch::cli
