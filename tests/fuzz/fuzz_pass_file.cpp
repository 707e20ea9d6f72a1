// The .pass file beside a PKCS#12 file: arbitrary content written as client.pass next to a
// client.p12 made once per process (password "secret"), then the real file reader
// (read_certificate_file: existence check, bounded read, UTF-16 decoding, BOM/CR/LF/space
// stripping, the MAC check with that password). Also checks the normalisation rule itself on
// the same bytes.

#include "cert_factory.hpp"
#include "certificate_parts.hpp"
#include "credwatch/certs/certificate.hpp"
#include "fuzz_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace credwatch;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    fs::path dir;
    fs::path p12;
    fs::path pass;
    Fixture() {
        std::string pattern = (fs::temp_directory_path() / "cw-fuzz-pass-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) std::abort();
        dir = pattern;
        p12 = dir / "client.p12";
        pass = dir / "client.pass";
        const auto cert = test::make_self_signed({.common_name = "fuzz"});
        write(p12, test::make_pkcs12(cert, {.password = "secret"}));
    }
    ~Fixture() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    static void write(const fs::path& path, std::string_view bytes) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) std::abort();
    }
};

bool is_stripped_byte(char c) {
    return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::silence_logging();
    static Fixture fixture;
    const std::string_view content = fuzz::as_text(data, size);

    // The rule: a leading UTF-8 BOM and trailing CR/LF/space/tab go, nothing else changes.
    std::string normalised(content);
    detail::normalise_password(normalised);
    std::string_view expected = content;
    if (expected.substr(0, 3) == "\xEF\xBB\xBF") expected.remove_prefix(3);
    while (!expected.empty() && is_stripped_byte(expected.back())) expected.remove_suffix(1);
    if (normalised != expected) __builtin_trap();

    Fixture::write(fixture.pass, content);
    auto certs = read_certificate_file(fixture.p12);
    fuzz::check_error_has_message(certs);
    // The right password opens it, whatever decoration or encoding (UTF-16 with a BOM) the file
    // adds; any other, and invalid UTF-16, is refused.
    std::string decoded(content);
    const bool decodes = static_cast<bool>(detail::decode_password_file(decoded, "f", "p"));
    if (static_cast<bool>(certs) != (decodes && decoded == "secret")) __builtin_trap();
    return 0;
}
