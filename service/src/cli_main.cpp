// credwatch: the command line for registry staff and administrators (service/cli/).
#include "cli.hpp"

int main(int argc, char** argv) {
    return credwatch::cli::run(argc, argv);
}
