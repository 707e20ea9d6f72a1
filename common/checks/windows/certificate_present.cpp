// certificate_present: certificates in a system store ("CurrentUser\My", "CurrentUser\Root",
// "LocalMachine\My") whose subject and issuer contain the given texts. Only names and dates are
// read: never key material.
#include "credwatch/base/civil_time.hpp"
#include "credwatch/platform/win_util.hpp"
#include "windows_checks.hpp"

#include <chrono>

namespace credwatch::checks::detail {

namespace {

std::wstring name_text(const CERT_NAME_BLOB& blob) {
    auto* name = const_cast<CERT_NAME_BLOB*>(&blob);
    const DWORD flags = CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG;
    const DWORD size = CertNameToStrW(X509_ASN_ENCODING, name, flags, nullptr, 0);
    if (size <= 1) return {};
    std::wstring text(size, L'\0');
    CertNameToStrW(X509_ASN_ENCODING, name, flags, text.data(), size);
    text.resize(size - 1);
    return text;
}

TimePoint from_filetime(const FILETIME& t) {
    const auto ticks = (static_cast<std::int64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime;
    constexpr std::int64_t kUnixEpochTicks = 116444736000000000LL;  // 1601 -> 1970 in 100 ns
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::microseconds((ticks - kUnixEpochTicks) / 10)));
}

std::string day_text(TimePoint t) {
    return format_date(local_date(t));
}

bool has_key_provider(PCCERT_CONTEXT certificate) {
    DWORD size = 0;
    return CertGetCertificateContextProperty(certificate, CERT_KEY_PROV_INFO_PROP_ID, nullptr,
                                             &size) != 0;
}

struct StoreName {
    DWORD location = 0;
    std::wstring name;
};

std::optional<StoreName> parse_store(const std::string& text) {
    const auto slash = text.find('\\');
    if (slash == std::string::npos) return std::nullopt;
    const std::wstring where = win::widen(text.substr(0, slash));
    StoreName store;
    if (equal_ignoring_case(where, L"CurrentUser"))
        store.location = CERT_SYSTEM_STORE_CURRENT_USER;
    else if (equal_ignoring_case(where, L"LocalMachine"))
        store.location = CERT_SYSTEM_STORE_LOCAL_MACHINE;
    else
        return std::nullopt;
    store.name = win::widen(text.substr(slash + 1));
    return store.name.empty() ? std::nullopt : std::optional<StoreName>(store);
}

}  // namespace

CheckResult run_certificate_present(const CheckDefinition& check, const CheckContext& context) {
    const std::string store_text = check.params.text_or("store", "");
    const std::wstring subject_part = win::widen(check.params.text_or("subject_contains", ""));
    const std::wstring issuer_part = win::widen(check.params.text_or("issuer_contains", ""));
    const long long exactly = check.params.number_or("exactly", 0);
    const auto store_name = parse_store(store_text);
    if (!store_name)
        return result(
            CheckState::cannot_check,
            "証明書ストア " + store_text + " が分かりません（CurrentUser\\My のように書きます）。",
            "unknown certificate store " + store_text + " (write it as CurrentUser\\My).");
    // A personal store's certificate authenticates this machine: without its private key it
    // is of no use. A Root or CA store holds others' certificates, which have no key here.
    const bool needs_key = equal_ignoring_case(store_name->name, L"My");
    win::UniqueCertStore store(CertOpenStore(
        CERT_STORE_PROV_SYSTEM_W, 0, 0,
        store_name->location | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG,
        store_name->name.c_str()));
    const TimePoint now = context.clock.now();
    std::vector<std::string> usable, unusable;
    for (PCCERT_CONTEXT c = store ? CertEnumCertificatesInStore(store.get(), nullptr) : nullptr; c;
         c = CertEnumCertificatesInStore(store.get(), c)) {
        const std::wstring subject = name_text(c->pCertInfo->Subject);
        const std::wstring issuer = name_text(c->pCertInfo->Issuer);
        if (!subject_part.empty() && !contains_ignoring_case(subject, subject_part)) continue;
        if (!issuer_part.empty() && !contains_ignoring_case(issuer, issuer_part)) continue;
        const TimePoint not_after = from_filetime(c->pCertInfo->NotAfter);
        const TimePoint not_before = from_filetime(c->pCertInfo->NotBefore);
        std::string line = win::narrow(subject) + " (until " + day_text(not_after);
        if (not_after < now)
            unusable.push_back(line + ", expired)");
        else if (not_before > now)
            unusable.push_back(line + ", not valid yet)");
        else if (needs_key && !has_key_provider(c))
            unusable.push_back(line + ", no private key)");
        else
            usable.push_back(line + ")");
    }
    std::string criteria;
    if (!subject_part.empty()) criteria += " subject ~ \"" + win::narrow(subject_part) + "\"";
    if (!issuer_part.empty()) criteria += " issuer ~ \"" + win::narrow(issuer_part) + "\"";
    // "; " between certificates: an X.500 name has commas of its own.
    auto listed = [](const std::vector<std::string>& names) {
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : "; ") + n;
        return out;
    };
    const std::string seen_en = (usable.empty() ? "" : "usable: " + listed(usable)) +
                                (usable.empty() || unusable.empty() ? "" : ". ") +
                                (unusable.empty() ? "" : "not usable: " + listed(unusable));
    const std::string where = store_text + criteria;
    const auto count = static_cast<long long>(usable.size());
    const bool fine = exactly > 0 ? count == exactly : count > 0;
    if (fine)
        return result(CheckState::ok, where + ": " + seen_en + "。", where + ": " + seen_en + ".");
    const std::string wanted_en =
        exactly > 0 ? "exactly " + std::to_string(exactly) + " usable" : "at least one usable";
    const std::string wanted_ja =
        exactly > 0 ? "使える証明書がちょうど " + std::to_string(exactly) + " 枚必要"
                    : "使える証明書が 1 枚以上必要";
    const std::string seen = seen_en.empty() ? "none found" : seen_en;
    return result(
        problem_state(check.severity),
        where + ": " + wanted_ja + "ですが、" + std::to_string(count) + " 枚です（" + seen + "）。",
        where + ": " + wanted_en + " certificate wanted, " + std::to_string(count) + " found (" +
            seen + ").");
}

}  // namespace credwatch::checks::detail
