#pragma once
// The `credwatch` command line as a library: main() is run(argc, argv); tests run a whole
// command line in-process with their own streams.

#include <iosfwd>
#include <string>
#include <vector>

namespace credwatch::cli {

// Arguments without the program name, UTF-8. Returns the exit code (docs/cli.md).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        std::istream& in);

// The process's command line (UTF-8 on Windows too) on std::cout, std::cerr and std::cin.
int run(int argc, char** argv);

}  // namespace credwatch::cli
