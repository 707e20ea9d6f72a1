// The catalog reader (catalog.toml) on arbitrary text.

#include "credwatch/catalog/catalog.hpp"
#include "fuzz_support.hpp"

using namespace credwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::silence_logging();
    auto catalog = parse_catalog(fuzz::as_text(data, size), "fuzz-catalog.toml");
    fuzz::check_error_has_message(catalog);
    return 0;
}
