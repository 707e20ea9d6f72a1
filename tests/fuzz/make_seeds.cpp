// Writes the seed corpora of the fuzz targets into OUT/<target>/, made at build time (no binary
// fixture in the repository): certificates made with OpenSSL (tests/support/cert_factory), the
// bundled config/catalog.toml and config/site.toml, and one request line per method listed in
// docs/ipc-protocol.md plus the document's example request.
//
//   fuzz_make_seeds OUT SOURCE_ROOT

#include "cert_factory.hpp"
#include "temp_dir.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using namespace credwatch::test;

namespace {

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One byte of selector in front of the bytes (see fuzz_cert_reader.cpp).
std::string with_selector(char selector, std::string_view bytes) {
    return std::string(1, selector) + std::string(bytes);
}

std::string with_password(std::string_view pass, std::string_view p12) {
    return std::string(1, '\1') + std::string(1, static_cast<char>(pass.size())) +
           std::string(pass) + std::string(p12);
}

void cert_seeds(const fs::path& out) {
    const TestCert ca = make_self_signed({.common_name = "Fuzz Root CA", .is_ca = true});
    const TestCert leaf = make_issued({.common_name = "山田太郎",
                                       .organization = "医療法人",
                                       .country = "JP",
                                       .serial_hex = "1a2b",
                                       .key_usage = {"digitalSignature", "keyEncipherment"}},
                                      ca);
    const TestCert bmp = make_self_signed({.common_name = "BMP name", .common_name_bmp = true});
    const TestCert far =
        make_self_signed({.common_name = "far", .not_after_text = "99991231235959Z"});
    write_file(out / "pem_one", with_selector('\0', leaf.pem()));
    write_file(out / "pem_bundle", with_selector('\0', pem_bundle({leaf, ca, bmp})));
    write_file(out / "pem_far", with_selector('\0', far.pem()));
    write_file(out / "der", with_selector('\0', leaf.der()));
    write_file(out / "der_describe", with_selector('\2', ca.der()));
    write_file(out / "p7b_der", with_selector('\0', pkcs7_bundle_der({leaf, ca, bmp})));
    write_file(out / "p7b_pem", with_selector('\0', pkcs7_bundle_pem({leaf, ca})));
    write_file(out / "p12_null", with_selector('\0', make_pkcs12(leaf, {.null_password = true})));
    write_file(out / "p12_empty", with_selector('\0', make_pkcs12(leaf, {.chain = {ca}})));
    write_file(out / "p12_nomac", with_selector('\0', make_pkcs12(leaf, {.mac = false})));
    write_file(out / "p12_pass",
               with_password("secret\r\n", make_pkcs12(leaf, {.password = "secret"})));
    write_file(out / "p12_pass_rc2",
               with_password(
                   "\xEF\xBB\xBFsecret",
                   make_pkcs12(leaf, {.password = "secret", .encryption = P12Encryption::rc2_40})));
    write_file(
        out / "p12_pass_3des",
        with_password("パスワード\n", make_pkcs12(leaf, {.password = "パスワード",
                                                         .encryption = P12Encryption::triple_des,
                                                         .include_key = false})));
    write_file(out / "p12_pass_wrong",
               with_password("wrong", make_pkcs12(leaf, {.password = "secret"})));
}

void pass_seeds(const fs::path& out) {
    write_file(out / "plain", "secret");
    write_file(out / "crlf", "secret\r\n");
    write_file(out / "bom", "\xEF\xBB\xBFsecret \t\n");
    write_file(out / "wrong", "Secret\n");
    write_file(out / "empty", "");
    write_file(out / "blank", " \r\n");
    // Notepad's "Unicode" and "Unicode big endian", and a lone surrogate.
    write_file(out / "utf16le", std::string("\xFF\xFEs\0e\0c\0r\0e\0t\0\r\0\n\0", 18));
    write_file(out / "utf16be", std::string("\xFE\xFF\0s\0e\0c\0r\0e\0t", 14));
    write_file(out / "utf16_lone", std::string("\xFF\xFEs\0\x3D\xD8", 6));
}

void ipc_seeds(const fs::path& out, const fs::path& root) {
    const std::string doc = slurp(root / "docs" / "ipc-protocol.md");
    std::istringstream lines(doc);
    std::string line;
    std::set<std::string> methods;
    int n = 0;
    const std::regex method_row(R"(^\| `([a-z_]+)` \|)");
    bool in_methods = false;  // the method table, between "## Methods" and the next heading
    while (std::getline(lines, line)) {
        std::smatch m;
        if (line.rfind("#", 0) == 0) in_methods = line == "## Methods";
        if (line.rfind("{\"v\": 1, \"id\"", 0) == 0 &&
            line.find("\"method\"") != std::string::npos) {
            write_file(out / ("example_" + std::to_string(++n)), std::string(1, '\0') + line);
            write_file(out / ("example_staff_" + std::to_string(n)), std::string(1, '\1') + line);
        } else if (in_methods && std::regex_search(line, m, method_row)) {
            methods.insert(m[1]);
        }
    }
    for (const auto& method : methods) {
        const std::string request =
            "{\"v\":1,\"id\":1,\"method\":\"" + method + "\",\"params\":{}}";
        write_file(out / ("admin_" + method), std::string(1, '\0') + request);
        write_file(out / ("staff_" + method), std::string(1, '\1') + request);
    }
    write_file(
        out / "admin_add",
        std::string(1, '\0') +
            R"({"v":1,"id":2,"method":"add","params":{"credential":"fuzz","system":"cancer-registry","kind":"user-password","owner":"suzuki"}})");
    write_file(out / "staff_snooze",
               std::string(1, '\1') +
                   R"({"v":1,"id":3,"method":"snooze","params":{"reminder":1,"days":3}})");
    write_file(out / "status_at",
               std::string(1, '\0') +
                   R"({"v":1,"id":4,"method":"status","params":{"at":"2030-01-01T00:00:00Z"}})");
    if (methods.size() < 10)
        throw std::runtime_error("docs/ipc-protocol.md: method table not found");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: fuzz_make_seeds OUT SOURCE_ROOT\n");
        return 2;
    }
    try {
        const fs::path out = argv[1];
        const fs::path root = argv[2];
        cert_seeds(out / "cert_reader");
        pass_seeds(out / "pass_file");
        write_file(out / "catalog" / "catalog.toml", slurp(root / "config" / "catalog.toml"));
        write_file(out / "site" / "site.toml", slurp(root / "config" / "site.toml"));
        ipc_seeds(out / "ipc_request", root);
        std::printf("fuzz seeds written to %s\n", out.string().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_make_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
