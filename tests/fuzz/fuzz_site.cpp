// The site reader (site.toml) on arbitrary text, over the bundled catalog.

#include "credwatch/catalog/catalog.hpp"
#include "fuzz_support.hpp"

using namespace credwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::silence_logging();
    auto configuration = parse_configuration(embedded::catalog_toml, "catalog.toml",
                                             fuzz::as_text(data, size), "fuzz-site.toml");
    fuzz::check_error_has_message(configuration);
    return 0;
}
