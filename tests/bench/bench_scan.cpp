// bench_scan: how fast CertificateScanner reads a folder of PEM files, and how fast it answers
// a rescan of the same unchanged files from its cache.
//
//   bench_scan [--files N] [--runs R] [--keep DIR]
//
// --keep DIR writes the files into DIR and leaves them there; a later run with the same DIR and
// N reuses them (clientNNNNN.pem) instead of generating them again.
// Generates N (default 10,000) PEM certificate files (EC P-256, each signed by one test CA, each
// with its own serial and subject) in a temporary folder, then R times (default 3): a fresh
// scanner scans the folder (every file parsed), then scans it again (nothing changed: nothing
// parsed). Prints each run and the median, and checks the targets:
//   first scan >= 20,000 files/s on one core, rescan < 50 ms.
// Exit status 0 when both medians meet their targets, 1 otherwise, 2 on a usage error.

#include "credwatch/certs/certificate.hpp"

#include "cert_factory.hpp"
#include "temp_dir.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Stopwatch = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace credwatch;
using namespace credwatch::test;

constexpr double kTargetFilesPerSecond = 20'000.0;
constexpr double kTargetRescanMs = 50.0;

double ms_since(Stopwatch::time_point start) {
    return std::chrono::duration<double, std::milli>(Stopwatch::now() - start).count();
}

// Processor time of this process (one thread here), in ms: what the scan costs on one core,
// whatever else the machine is doing. (std::clock is wall time on Windows.)
double cpu_ms() {
    return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

void generate(const fs::path& folder, std::size_t files) {
    // One CA key and one leaf key (key generation is not what is measured); each certificate
    // is signed separately so that every file has its own serial, name and digest.
    const TestCert ca = make_self_signed({.common_name = "Bench Root CA", .is_ca = true});
    const TestKey leaf_key;
    for (std::size_t i = 0; i < files; ++i) {
        const TestCert cert = make_issued({.common_name = fmt::format("client{:05}", i),
                                           .organization = "医療機関 Bench",
                                           .country = "JP",
                                           .serial_hex = fmt::format("{:x}", 0x10000 + i),
                                           .key_usage = {"digitalSignature"},
                                           .key = leaf_key},
                                          ca);
        write_file(folder / fmt::format("client{:05}.pem", i), cert.pem());
    }
}

int usage() {
    std::fputs("usage: bench_scan [--files N] [--runs R] [--keep DIR]\n", stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t files = 10'000;
    int runs = 3;
    std::optional<fs::path> keep;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) return usage();
        if (arg == "--files") {
            files = std::strtoul(argv[++i], nullptr, 10);
        } else if (arg == "--runs") {
            runs = std::atoi(argv[++i]);
        } else if (arg == "--keep") {
            keep = fs::path(argv[++i]);
        } else {
            return usage();
        }
    }
    if (files == 0 || runs <= 0) return usage();

    const TempDir temp("credwatch-bench-scan");
    const fs::path folder = keep ? *keep : temp.path();
    fs::create_directories(folder);

    // Generation: one CA key and one leaf key (key generation is not what is measured), each
    // certificate signed separately so that every file has its own serial, name and digest.
    const auto generation_start = Stopwatch::now();
    if (keep && fs::exists(folder / fmt::format("client{:05}.pem", files - 1)) &&
        !fs::exists(folder / fmt::format("client{:05}.pem", files))) {
        fmt::print("reusing the {} PEM files in {}\n", files, folder.string());
    } else {
        generate(folder, files);
        fmt::print("generated {} PEM files in {} in {:.0f} ms\n", files, folder.string(),
                   ms_since(generation_start));
    }

    struct Times {
        std::vector<double> wall;
        std::vector<double> cpu;
    };
    Times first_times;
    Times rescan_times;
    bool consistent = true;
    const auto rate = [files](double ms) { return static_cast<double>(files) / (ms / 1000.0); };
    for (int run = 1; run <= runs; ++run) {
        CertificateScanner scanner;
        auto wall_start = Stopwatch::now();
        double cpu_start = cpu_ms();
        const ScanResult first = scanner.scan({folder});
        const double first_wall = ms_since(wall_start);
        const double first_cpu = cpu_ms() - cpu_start;
        wall_start = Stopwatch::now();
        cpu_start = cpu_ms();
        const ScanResult second = scanner.scan({folder});
        const double second_wall = ms_since(wall_start);
        const double second_cpu = cpu_ms() - cpu_start;

        const bool ok = first.certificates.size() == files && first.failures.empty() &&
                        first.files_parsed == files && second.files_parsed == 0 &&
                        second.certificates.size() == files && second.failures.empty();
        consistent = consistent && ok;
        first_times.wall.push_back(first_wall);
        first_times.cpu.push_back(first_cpu);
        rescan_times.wall.push_back(second_wall);
        rescan_times.cpu.push_back(second_cpu);
        fmt::print(
            "run {}: first scan {:7.1f} ms wall = {:6.0f} files/s ({:7.1f} ms CPU = {:6.0f} "
            "files/s), parsed {}; rescan {:5.1f} ms wall ({:5.1f} ms CPU), parsed {}{}\n",
            run, first_wall, rate(first_wall), first_cpu, rate(first_cpu), first.files_parsed,
            second_wall, second_cpu, second.files_parsed, ok ? "" : "  INCONSISTENT RESULT");
    }

    const double first_wall = median(first_times.wall);
    const double first_cpu = median(first_times.cpu);
    const double rescan_wall = median(rescan_times.wall);
    const double rescan_cpu = median(rescan_times.cpu);
    const bool first_ok = rate(first_wall) >= kTargetFilesPerSecond;
    const bool rescan_ok = rescan_wall < kTargetRescanMs;
    fmt::print("median of {} runs, {} files:\n", runs, files);
    fmt::print(
        "  first scan: {:.1f} ms wall = {:.0f} files/s; {:.1f} ms CPU = {:.0f} files/s "
        "(target >= {:.0f} files/s: {})\n",
        first_wall, rate(first_wall), first_cpu, rate(first_cpu), kTargetFilesPerSecond,
        first_ok ? "met" : "MISSED");
    fmt::print("  rescan:     {:.1f} ms wall; {:.1f} ms CPU (target < {:.0f} ms: {})\n",
               rescan_wall, rescan_cpu, kTargetRescanMs, rescan_ok ? "met" : "MISSED");
    if (!consistent) fmt::print("  the scans did not report every file as expected\n");
    return consistent && first_ok && rescan_ok ? 0 : 1;
}
