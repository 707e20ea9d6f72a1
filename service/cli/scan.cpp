// scan: certificate files read directly, without the service. Records are written as the
// scanner reads them, so that memory stays flat for folders of any size.

#include "command.hpp"
#include "credwatch/base/civil_time.hpp"
#include "credwatch/certs/certificate.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"

#include <boost/json/serializer.hpp>

#include <algorithm>
#include <filesystem>
#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

namespace {

// One record written to `out` in pieces, without building its text as one string first.
void write_json(std::ostream& out, const json::object& record) {
    json::serializer serializer;
    serializer.reset(&record);
    char buffer[4096];
    while (!serializer.done()) {
        const auto chunk = serializer.read(buffer);
        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
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

    // The same output as one array of every certificate followed by every failure (sorted by
    // location, as ScanResult has them): the certificates are written as they come, the
    // failures (few) are held until the end.
    int run(Context& ctx) override {
        std::vector<std::filesystem::path> native;
        for (const auto& p : paths_) native.push_back(platform::from_utf8(p));
        const bool as_json = ctx.options.json;
        std::ostream& out = ctx.out;
        bool first = true;
        std::vector<ScanFailure> failures;
        const auto separate = [&] {
            if (as_json) out << (first ? "[" : ",");
            first = false;
        };
        CertificateScanner scanner(ScanCache::none);
        scanner.scan(native, platform::current_user(),
                     {.certificate =
                          [&](FoundCertificate&& c) {
                              separate();
                              if (as_json) {
                                  write_json(out, to_json(c));
                                  return;
                              }
                              out << c.location << "\n"
                                  << "  subject:   " << c.info.subject << "\n"
                                  << "  issuer:    " << c.info.issuer << "\n"
                                  << "  not after: " << format_utc(c.info.not_after) << "\n"
                                  << "  sha256:    " << c.info.sha256 << "\n";
                          },
                      .failure = [&](ScanFailure&& f) { failures.push_back(std::move(f)); }});
        std::stable_sort(
            failures.begin(), failures.end(),
            [](const ScanFailure& a, const ScanFailure& b) { return a.location < b.location; });
        for (const auto& f : failures) {
            separate();
            if (as_json)
                write_json(out, to_json(f));
            else
                out << f.location << "\n  error: " << f.error << "\n";
        }
        if (as_json) out << (first ? "[]\n" : "]\n");
        out.flush();
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
