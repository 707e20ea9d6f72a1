// Replays fuzz inputs without libFuzzer: calls LLVMFuzzerTestOneInput on every file given, or
// on every file in every folder given (sorted, README files skipped). A folder that does not
// exist counts as empty (a target with no regression yet). Linked with one entry point per
// program, so that the normal (GCC) build and CTest run the crash inputs kept in
// tests/fuzz/regressions/ and the seed corpora.

#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

bool replay(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.string().c_str());
        return false;
    }
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.string().c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg = argv[i];
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            for (const auto& entry : fs::directory_iterator(arg)) {
                if (entry.is_regular_file() &&
                    entry.path().filename().string().rfind("README", 0) != 0) {
                    files.push_back(entry.path());
                }
            }
        } else if (fs::exists(arg, ec)) {
            files.push_back(arg);
        } else {
            std::fprintf(stderr, "replay: %s does not exist: nothing to replay there\n", argv[i]);
        }
    }
    std::sort(files.begin(), files.end());
    std::size_t replayed = 0;
    for (const auto& file : files) {
        if (!replay(file)) return 1;
        ++replayed;
    }
    std::printf("replay: %zu inputs replayed, none crashed\n", replayed);
    return 0;
}
