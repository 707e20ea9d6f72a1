#pragma once
// The parts of the certificate reader, shared between its source files (openssl.cpp, der.cpp,
// pem.cpp, pkcs12.cpp, certificate.cpp); not part of the public API.

#include "credwatch/certs/certificate.hpp"
#include "credwatch/certs/openssl_raii.hpp"

#include <openssl/crypto.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch::detail {

// Certificate files are a few kilobytes; anything this large is not one.
constexpr std::size_t kMaxFileSize = 64U * 1024U * 1024U;
// A password file holds one line.
constexpr std::size_t kMaxPasswordFileSize = 64U * 1024U;

// --- OpenSSL errors, digests (openssl.cpp) ---------------------------------------------------

struct OpensslErrors {
    std::string text;    // every queued error, ERR_error_string_n form, for the log
    std::string reason;  // the root cause (earliest queued error), for the message
    bool truncated = false;
    bool unsupported = false;  // an algorithm is not available (legacy provider missing)
};

// Empties this thread's OpenSSL error queue into text.
OpensslErrors drain_openssl_errors();
// Logs a failed OpenSSL call (function name + OpenSSL's error strings; never a secret) and
// returns the drained errors so that the caller can word its message.
OpensslErrors log_openssl_failure(const char* function, std::string_view name);
// The same log line for errors drained earlier.
void log_openssl_errors(const char* function, std::string_view name, const OpensslErrors& errors);
std::string with_reason(std::string_view what, const OpensslErrors& errors);

struct Digests {
    ossl::EvpMdPtr sha1_fetched;
    ossl::EvpMdPtr sha256_fetched;
    const EVP_MD* sha1 = nullptr;
    const EVP_MD* sha256 = nullptr;
};

// Fetched once: an explicit fetch avoids the per-call implicit lookup of EVP_sha1().
const Digests& digests();

// --- DER (der.cpp) ---------------------------------------------------------------------------

// The fields credwatch reports of one parsed certificate.
[[nodiscard]] Result<CertificateInfo> describe(X509* cert, std::string_view name);

struct DerFrame {
    bool definite = false;  // false: indefinite length (BER), size unknown
    std::size_t total = 0;  // header + content
    std::size_t header = 0;
    unsigned char first_inner_tag = 0;  // 0 when unknown
};

// Reads the outer SEQUENCE header. nullopt when the bytes do not start like DER at all.
std::optional<DerFrame> read_der_frame(std::string_view bytes);
std::string truncation_message(std::string_view name, const DerFrame& frame, std::size_t size);
[[nodiscard]] Result<CertificateInfo> parse_der_certificate(std::string_view bytes,
                                                            std::string_view name);

struct Tlv {
    unsigned char tag = 0;
    std::string_view whole;  // header + content
    std::string_view content;
};

enum class TlvStatus { ok, truncated, malformed };

// Reads one definite-length TLV (low tag number) from the front of `in`.
TlvStatus read_tlv(std::string_view& in, Tlv& out);

// --- PEM (pem.cpp) ---------------------------------------------------------------------------

// Decodes base64, skipping line breaks and blanks. False on any other character.
bool decode_base64(std::string_view text, std::string& out);

// `ders`, when given, receives each certificate's DER encoding beside its description.
// CERTIFICATE blocks and PKCS7 blocks (certificate bundles) are read, in file order.
[[nodiscard]] Result<std::vector<CertificateInfo>> parse_pem(
    std::string_view bytes, std::string_view name, std::vector<std::string>* ders = nullptr);

// --- PKCS#7 (pkcs7.cpp) ----------------------------------------------------------------------

// Whether DER bytes look like a PKCS#7 ContentInfo: a SEQUENCE whose first element is an OID
// (a certificate's is a SEQUENCE, a PKCS#12's an INTEGER).
constexpr unsigned char kPkcs7FirstInnerTag = 0x06;

// Every certificate of a PKCS#7 signedData (DER or BER), in bundle order. Any other content
// type, or a signedData without certificates, is Errc::parse_error naming the file.
[[nodiscard]] Result<std::vector<CertificateInfo>> parse_pkcs7(
    std::string_view bytes, std::string_view name, std::vector<std::string>* ders = nullptr);

// --- PKCS#12 (pkcs12.cpp) --------------------------------------------------------------------

// A password that is wiped from memory when it goes away.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    ~Secret() { wipe(); }
    void wipe() noexcept {
        if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
        value_.clear();
    }
    std::string& value() { return value_; }
    const std::string& value() const { return value_; }

  private:
    std::string value_;
};

// Where the password for a PKCS#12 file comes from.
struct PasswordSource {
    const Secret* from_file = nullptr;  // the stripped content of the .pass file, if any
    std::string pass_file_name;         // "client1423.pass", for messages; empty in memory
};

// PKCS#12 MAC, PBE and PBKDF2 iteration counts above this are refused unopened.
constexpr std::uint64_t kMaxPkcs12Iterations = 10'000'000;

// Strips a UTF-8 BOM and trailing CR, LF, spaces and tabs.
void normalise_password(std::string& text);

// A .pass file's bytes as Notepad may have written them (UTF-8 with or without a BOM, UTF-16 LE
// or BE with a BOM) turned into the UTF-8 password OpenSSL 3 expects, then normalised as
// normalise_password. Invalid UTF-16 (an odd length, a lone surrogate) is Errc::parse_error
// naming the PKCS#12 file `name`, `pass_file_name` and the reason, never the content. Every
// intermediate copy is wiped.
[[nodiscard]] Status decode_password_file(std::string& text, std::string_view name,
                                          std::string_view pass_file_name);
[[nodiscard]] Result<std::vector<CertificateInfo>> parse_pkcs12(
    std::string_view bytes, std::string_view name, const PasswordSource& source,
    std::vector<std::string>* ders = nullptr);

}  // namespace credwatch::detail
