// PKCS#12: the certificate bags, decrypted with the password of the .pass file or none.

#include "certificate_parts.hpp"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch {

namespace detail {

// ---------------------------------------------------------------------------------------------
// PKCS#12

struct Pkcs12Password {
    const char* pass = nullptr;  // nullptr: the NULL password (zero-length BMPString)
    int length = 0;
};

void normalise_password(std::string& text) {
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
        OPENSSL_cleanse(text.data(), 3);
        text.erase(0, 3);
    }
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ' ||
                             text.back() == '\t')) {
        text.back() = '\0';
        text.pop_back();
    }
}

namespace {

enum class Utf16Order { little_endian, big_endian };

// Appends one code point as UTF-8 (capacity reserved by the caller: no reallocation, so no
// unwiped copy of the password is left behind in freed memory).
void append_utf8(std::string& out, std::uint32_t code_point) {
    const auto byte = [&](std::uint32_t value) { out.push_back(static_cast<char>(value)); };
    if (code_point < 0x80U) {
        byte(code_point);
    } else if (code_point < 0x800U) {
        byte(0xC0U | (code_point >> 6U));
        byte(0x80U | (code_point & 0x3FU));
    } else if (code_point < 0x10000U) {
        byte(0xE0U | (code_point >> 12U));
        byte(0x80U | ((code_point >> 6U) & 0x3FU));
        byte(0x80U | (code_point & 0x3FU));
    } else {
        byte(0xF0U | (code_point >> 18U));
        byte(0x80U | ((code_point >> 12U) & 0x3FU));
        byte(0x80U | ((code_point >> 6U) & 0x3FU));
        byte(0x80U | (code_point & 0x3FU));
    }
}

// UTF-16 after its BOM into UTF-8 in `out`; the reason when it is not valid UTF-16.
std::optional<std::string> utf16_to_utf8(std::string_view units, Utf16Order order,
                                         std::string& out) {
    if (units.size() % 2 != 0) {
        return fmt::format("an odd number of bytes ({}) after the byte order mark", units.size());
    }
    // Each 2-byte unit gives at most 3 UTF-8 bytes, a 4-byte surrogate pair 4.
    out.reserve(units.size() / 2 * 3);
    const auto unit_at = [&](std::size_t i) {
        const auto first = static_cast<unsigned char>(units[i]);
        const auto second = static_cast<unsigned char>(units[i + 1]);
        return order == Utf16Order::little_endian
                   ? static_cast<std::uint32_t>(first | (second << 8U))
                   : static_cast<std::uint32_t>((first << 8U) | second);
    };
    for (std::size_t i = 0; i < units.size(); i += 2) {
        std::uint32_t unit = unit_at(i);
        if (unit >= 0xDC00U && unit <= 0xDFFFU) {
            return fmt::format("a lone low surrogate at byte {}", i + 2);
        }
        if (unit >= 0xD800U && unit <= 0xDBFFU) {
            const std::uint32_t low = i + 2 < units.size() ? unit_at(i + 2) : 0;
            if (low < 0xDC00U || low > 0xDFFFU) {
                return fmt::format("a lone high surrogate at byte {}", i + 2);
            }
            unit = 0x10000U + ((unit - 0xD800U) << 10U) + (low - 0xDC00U);
            i += 2;
        }
        append_utf8(out, unit);
    }
    return std::nullopt;
}

}  // namespace

Status decode_password_file(std::string& text, std::string_view name,
                            std::string_view pass_file_name) {
    const auto starts_with = [&](std::string_view bom) {
        return text.size() >= bom.size() && std::string_view(text).substr(0, bom.size()) == bom;
    };
    std::optional<Utf16Order> order;
    if (starts_with("\xFF\xFE")) order = Utf16Order::little_endian;
    if (starts_with("\xFE\xFF")) order = Utf16Order::big_endian;
    if (order) {
        Secret decoded;
        const auto invalid =
            utf16_to_utf8(std::string_view(text).substr(2), *order, decoded.value());
        OPENSSL_cleanse(text.data(), text.size());
        text.clear();
        if (invalid) {
            return make_error(Errc::parse_error,
                              fmt::format("{}: its password file {} is not valid UTF-16: {}", name,
                                          pass_file_name, *invalid));
        }
        text.swap(decoded.value());  // `decoded` wipes the emptied original on leaving
    }
    normalise_password(text);
    return {};
}

std::string needs_password_message(std::string_view name, const PasswordSource& source) {
    if (source.pass_file_name.empty()) {
        return fmt::format("{}: needs a password", name);
    }
    return fmt::format("{}: needs a password: no {} beside it", name, source.pass_file_name);
}

std::string wrong_password_message(std::string_view name, const PasswordSource& source) {
    return fmt::format("{}: the password in {} does not open it", name, source.pass_file_name);
}

// Candidate passwords in the order tried: the .pass file, or else NULL and "".
std::vector<Pkcs12Password> candidate_passwords(const PasswordSource& source) {
    if (source.from_file != nullptr) {
        const std::string& value = source.from_file->value();
        return {Pkcs12Password{value.c_str(), static_cast<int>(value.size())}};
    }
    return {Pkcs12Password{nullptr, 0}, Pkcs12Password{"", 0}};
}

Error password_error(std::string_view name, const PasswordSource& source) {
    if (source.from_file != nullptr) {
        return make_error(Errc::password_wrong, wrong_password_message(name, source));
    }
    return make_error(Errc::password_missing, needs_password_message(name, source));
}

Status collect_bag_certificates(const STACK_OF(PKCS12_SAFEBAG) * bags, std::string_view name,
                                std::vector<CertificateInfo>& out, std::vector<std::string>* ders,
                                int depth) {
    if (depth > 8) {
        return make_error(Errc::parse_error,
                          fmt::format("{}: PKCS#12 safe contents nested too deeply", name));
    }
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
        const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const int nid = PKCS12_SAFEBAG_get_nid(bag);
        if (nid == NID_safeContentsBag) {
            auto nested = collect_bag_certificates(PKCS12_SAFEBAG_get0_safes(bag), name, out, ders,
                                                   depth + 1);
            if (!nested) return nested;
            continue;
        }
        if (nid != NID_certBag || PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) continue;
        ossl::X509Ptr cert(PKCS12_SAFEBAG_get1_cert(bag));
        if (!cert) {
            const auto errors = log_openssl_failure("PKCS12_SAFEBAG_get1_cert", name);
            return make_error(Errc::parse_error,
                              fmt::format("{}: {}", name,
                                          with_reason("malformed certificate in PKCS#12", errors)));
        }
        CW_TRY_ASSIGN(info, describe(cert.get(), name));
        out.push_back(std::move(info));
        if (ders) {
            unsigned char* encoded = nullptr;
            const int length = i2d_X509(cert.get(), &encoded);
            if (length <= 0) {
                const auto errors = log_openssl_failure("i2d_X509", name);
                return make_error(Errc::crypto_error,
                                  fmt::format("{}: {}", name,
                                              with_reason("cannot encode a certificate", errors)));
            }
            ders->emplace_back(reinterpret_cast<const char*>(encoded),
                               static_cast<std::size_t>(length));
            OPENSSL_free(encoded);
        }
    }
    return {};
}

// The authenticated safes, unpacked once for the work-limit check and for every extraction.
// When they cannot be unpacked, `safes` is null and `errors` holds why: the extraction reports
// it (the work-limit check lets it pass, and a MAC may still tell that the password is wrong).
struct AuthSafes {
    ossl::Pkcs7StackPtr safes;
    OpensslErrors errors;
};

AuthSafes unpack_authsafes(PKCS12* p12) {
    AuthSafes out;
    ERR_clear_error();
    out.safes.reset(PKCS12_unpack_authsafes(p12));
    if (!out.safes) out.errors = drain_openssl_errors();
    return out;
}

// Decrypts the certificate bags with one password. Only certificate bags are decrypted; the
// private key is left alone.
struct ExtractFailure {
    Error error;
    bool decryption_failed = false;  // the password may be the cause
};

boost::system::result<std::vector<CertificateInfo>, ExtractFailure> extract_certificates(
    const AuthSafes& authsafes, const Pkcs12Password& password, std::string_view name,
    std::vector<std::string>* ders) {
    ERR_clear_error();
    const STACK_OF(PKCS7)* safes = authsafes.safes.get();
    if (!safes) {
        const auto& errors = authsafes.errors;
        log_openssl_errors("PKCS12_unpack_authsafes", name, errors);
        return ExtractFailure{
            make_error(Errc::parse_error,
                       fmt::format("{}: {}", name, with_reason("malformed PKCS#12", errors))),
            false};
    }
    std::vector<CertificateInfo> certificates;
    std::vector<std::string> encoded;  // handed over only when every bag was read
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes, i);
        ossl::SafeBagStackPtr bags;
        if (PKCS7_type_is_data(safe)) {
            bags.reset(PKCS12_unpack_p7data(safe));
            if (!bags) {
                const auto errors = log_openssl_failure("PKCS12_unpack_p7data", name);
                return ExtractFailure{
                    make_error(
                        Errc::parse_error,
                        fmt::format("{}: {}", name, with_reason("malformed PKCS#12", errors))),
                    false};
            }
        } else if (PKCS7_type_is_encrypted(safe)) {
            bags.reset(PKCS12_unpack_p7encdata(safe, password.pass, password.length));
            if (!bags) {
                const auto errors = log_openssl_failure("PKCS12_unpack_p7encdata", name);
                if (errors.unsupported) {
                    return ExtractFailure{
                        make_error(Errc::crypto_error,
                                   fmt::format("{}: {}", name,
                                               with_reason("encrypted with an algorithm this "
                                                           "OpenSSL cannot use (is the legacy "
                                                           "provider available?)",
                                                           errors))),
                        false};
                }
                return ExtractFailure{
                    make_error(Errc::parse_error,
                               fmt::format("{}: {}", name,
                                           with_reason("cannot decrypt the certificates", errors))),
                    true};
            }
        } else {
            continue;  // enveloped data (public-key privacy mode) is not used for certificates
        }
        auto status =
            collect_bag_certificates(bags.get(), name, certificates, ders ? &encoded : nullptr, 0);
        if (!status) return ExtractFailure{status.error(), false};
    }
    if (certificates.empty()) {
        return ExtractFailure{
            make_error(Errc::parse_error,
                       fmt::format("{}: the PKCS#12 file holds no certificate", name)),
            false};
    }
    if (ders) std::move(encoded.begin(), encoded.end(), std::back_inserter(*ders));
    return certificates;
}

// ---------------------------------------------------------------------------------------------
// Work limits, checked on the structure before any key is derived

// An iteration count is chosen by whoever wrote the file; 2^31-1 PBKDF2 rounds would keep the
// scan busy for hours. Real files use 2,048 (OpenSSL's default) to 600,000.

Status iteration_count_error(std::string_view name, std::string_view what, std::int64_t count) {
    return make_error(Errc::parse_error,
                      fmt::format("{}: PKCS#12 {} iteration count {} is above the limit of {}; "
                                  "not opened",
                                  name, what, count, kMaxPkcs12Iterations));
}

// An absent count means 1 (RFC 7292); a negative or unreadable one is refused as well.
Status check_count(const ASN1_INTEGER* iter, std::string_view name, std::string_view what) {
    if (iter == nullptr) return {};
    std::int64_t count = 0;
    if (ASN1_INTEGER_get_int64(&count, iter) != 1) {
        ERR_clear_error();
        return make_error(Errc::parse_error,
                          fmt::format("{}: PKCS#12 {} iteration count is not a usable number "
                                      "(above the limit of {}); not opened",
                                      name, what, kMaxPkcs12Iterations));
    }
    if (count < 0 || static_cast<std::uint64_t>(count) > kMaxPkcs12Iterations)
        return iteration_count_error(name, what, count);
    return {};
}

// A password-based encryption algorithm: PKCS#12 PBE (PBEPARAM) or PBES2 with PBKDF2.
Status check_encryption_algorithm(const X509_ALGOR* algorithm, std::string_view name,
                                  std::string_view what) {
    if (algorithm == nullptr) return {};
    const ASN1_OBJECT* oid = nullptr;
    int parameter_type = 0;
    const void* parameter = nullptr;
    X509_ALGOR_get0(&oid, &parameter_type, &parameter, algorithm);
    if (parameter_type != V_ASN1_SEQUENCE) return {};  // no parameters: OpenSSL refuses it later
    const auto* type = algorithm->parameter;
    if (OBJ_obj2nid(oid) == NID_pbes2) {
        std::unique_ptr<PBE2PARAM, decltype(&PBE2PARAM_free)> pbe2(
            static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), type)),
            &PBE2PARAM_free);
        if (!pbe2 || pbe2->keyfunc == nullptr) return {};  // malformed: decryption fails later
        if (OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2) return {};
        std::unique_ptr<PBKDF2PARAM, decltype(&PBKDF2PARAM_free)> kdf(
            static_cast<PBKDF2PARAM*>(
                ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)),
            &PBKDF2PARAM_free);
        ERR_clear_error();
        return kdf ? check_count(kdf->iter, name, what) : Status{};
    }
    std::unique_ptr<PBEPARAM, decltype(&PBEPARAM_free)> pbe(
        static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), type)),
        &PBEPARAM_free);
    ERR_clear_error();
    return pbe ? check_count(pbe->iter, name, what) : Status{};
}

Status check_bag_algorithms(const STACK_OF(PKCS12_SAFEBAG) * bags, std::string_view name,
                            int depth) {
    if (bags == nullptr || depth > 8) return {};  // too deep: collect_bag_certificates says so
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
        const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const int nid = PKCS12_SAFEBAG_get_nid(bag);
        if (nid == NID_safeContentsBag) {
            CW_TRY(check_bag_algorithms(PKCS12_SAFEBAG_get0_safes(bag), name, depth + 1));
        } else if (nid == NID_pkcs8ShroudedKeyBag) {
            const X509_ALGOR* algorithm = nullptr;
            if (const X509_SIG* sig = PKCS12_SAFEBAG_get0_pkcs8(bag))
                X509_SIG_get0(sig, &algorithm, nullptr);
            CW_TRY(check_encryption_algorithm(algorithm, name, "key encryption"));
        }
    }
    return {};
}

namespace {

// The iteration counts of the MAC, of each encrypted safe and of each shrouded key bag, read
// from the structure without deriving any key: Errc::parse_error naming the count and the limit
// when one is above kMaxPkcs12Iterations.
Status check_pkcs12_work_limits(PKCS12* p12, const AuthSafes& authsafes, std::string_view name) {
    if (PKCS12_mac_present(p12) == 1) {
        const ASN1_INTEGER* iter = nullptr;
        PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
        CW_TRY(check_count(iter, name, "MAC"));
    }
    const STACK_OF(PKCS7)* safes = authsafes.safes.get();
    if (!safes) return {};  // malformed: the extraction says so
    for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes, i);
        if (PKCS7_type_is_encrypted(safe)) {
            const PKCS7_ENCRYPT* encrypted = safe->d.encrypted;
            if (encrypted == nullptr || encrypted->enc_data == nullptr) continue;
            CW_TRY(check_encryption_algorithm(encrypted->enc_data->algorithm, name,
                                              "certificate encryption"));
        } else if (PKCS7_type_is_data(safe)) {
            ossl::SafeBagStackPtr bags(PKCS12_unpack_p7data(safe));
            ERR_clear_error();
            CW_TRY(check_bag_algorithms(bags.get(), name, 0));
        }
    }
    return {};
}

}  // namespace

Result<std::vector<CertificateInfo>> parse_pkcs12(std::string_view bytes, std::string_view name,
                                                  const PasswordSource& source,
                                                  std::vector<std::string>* ders) {
    load_openssl_providers();
    ERR_clear_error();
    const auto* cursor = reinterpret_cast<const unsigned char*>(bytes.data());
    ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(bytes.size())));
    if (!p12) {
        const auto errors = log_openssl_failure("d2i_PKCS12", name);
        return make_error(
            Errc::parse_error,
            fmt::format(
                "{}: {}", name,
                with_reason(errors.truncated ? "truncated PKCS#12" : "malformed PKCS#12", errors)));
    }

    const AuthSafes authsafes = unpack_authsafes(p12.get());
    // Before any key derivation: a count set to 2^31-1 is refused, not computed.
    CW_TRY(check_pkcs12_work_limits(p12.get(), authsafes, name));

    const auto candidates = candidate_passwords(source);
    if (PKCS12_mac_present(p12.get()) == 1) {
        // The MAC tells a right password from a wrong one before anything is decrypted.
        for (const auto& candidate : candidates) {
            ERR_clear_error();
            if (PKCS12_verify_mac(p12.get(), candidate.pass, candidate.length) == 1) {
                auto extracted = extract_certificates(authsafes, candidate, name, ders);
                if (extracted) return std::move(*extracted);
                return extracted.error().error;
            }
            if (ERR_peek_error() != 0) {
                // Not a mismatch: the MAC could not be computed (unknown digest, bad encoding).
                const auto errors = log_openssl_failure("PKCS12_verify_mac", name);
                return make_error(
                    errors.unsupported ? Errc::crypto_error : Errc::parse_error,
                    fmt::format("{}: {}", name,
                                with_reason("cannot check the PKCS#12 integrity MAC", errors)));
            }
        }
        return password_error(name, source);
    }

    // No MAC: a wrong password shows up as a failed decryption.
    for (const auto& candidate : candidates) {
        auto extracted = extract_certificates(authsafes, candidate, name, ders);
        if (extracted) return std::move(*extracted);
        if (!extracted.error().decryption_failed) return extracted.error().error;
    }
    return password_error(name, source);
}

}  // namespace detail

}  // namespace credwatch
