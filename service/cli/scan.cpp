// scan: certificate files read directly, without the service.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/certs/certificate.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"
#include "output.hpp"

#include <filesystem>
#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

void print_scan(std::ostream& out, const ScanResult& result, bool as_json) {
    if (as_json) {
        json::array records;
        for (const auto& c : result.certificates) records.push_back(to_json(c));
        for (const auto& f : result.failures) records.push_back(to_json(f));
        print_json(out, records);
        return;
    }
    for (const auto& c : result.certificates) {
        out << c.location << "\n"
            << "  subject:   " << c.info.subject << "\n"
            << "  issuer:    " << c.info.issuer << "\n"
            << "  not after: " << format_utc(c.info.not_after) << "\n"
            << "  sha256:    " << c.info.sha256 << "\n";
    }
    for (const auto& f : result.failures) out << f.location << "\n  error: " << f.error << "\n";
}

class ScanCommand final : public Command {
  public:
    std::string name() const override { return "scan"; }
    std::string description() const override {
        return "Read certificate files and folders directly (no service needed)";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("paths", paths_, "Files or folders")->required();
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        std::vector<std::filesystem::path> native;
        for (const auto& p : paths_) native.push_back(platform::from_utf8(p));
        CertificateScanner scanner;
        print_scan(ctx.out, scanner.scan(native, platform::current_user()), ctx.options.json);
        return kExitOk;
    }

  private:
    std::vector<std::string> paths_;
};

}  // namespace

void add_scan_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<ScanCommand>());
}

}  // namespace credwatch::cli
