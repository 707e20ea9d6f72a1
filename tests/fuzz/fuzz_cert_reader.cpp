// The certificate reader on arbitrary bytes. The first byte chooses the entry point:
//   0  read_certificates: PEM (one or many), DER, PKCS#12 tried with the NULL and empty password
//   1  PKCS#12 with a .pass file: the next byte is the .pass length L, then L bytes of .pass
//      content (normalised as the reader does), then the PKCS#12 bytes
//   2  describe_der: one DER certificate
// The reader has no PKCS#7 entry point (p7b files are not read).

#include "certificate_parts.hpp"
#include "credwatch/certs/certificate.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <string>

using namespace credwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::silence_logging();
    if (size == 0) return 0;
    const std::uint8_t selector = data[0] % 3;
    std::string_view rest = fuzz::as_text(data + 1, size - 1);
    switch (selector) {
        case 0: {
            auto certs = read_certificates(rest, "fuzz.pem");
            fuzz::check_error_has_message(certs);
            break;
        }
        case 1: {
            if (rest.empty()) return 0;
            const std::size_t length =
                std::min<std::size_t>(static_cast<unsigned char>(rest[0]), rest.size() - 1);
            detail::Secret password(std::string(rest.substr(1, length)));
            detail::normalise_password(password.value());
            const detail::PasswordSource source{&password, "fuzz.pass"};
            auto certs = detail::parse_pkcs12(rest.substr(1 + length), "fuzz.p12", source);
            fuzz::check_error_has_message(certs);
            break;
        }
        default: {
            auto cert = describe_der(rest);
            fuzz::check_error_has_message(cert);
            break;
        }
    }
    return 0;
}
