#include "credwatch/domain/candidates.hpp"

#include "credwatch/domain/matching.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

namespace credwatch {

namespace {

bool has(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// The value of each RDN named `attribute` in an RFC 2253 style DN ("CN=a,O=b").
std::vector<std::string> attribute_values(const std::string& dn, std::string_view attribute) {
    std::vector<std::string> values;
    std::size_t start = 0;
    while (start <= dn.size()) {
        std::size_t end = start;
        // A comma escaped with a backslash belongs to the value.
        while (end < dn.size() && !(dn[end] == ',' && (end == 0 || dn[end - 1] != '\\'))) ++end;
        std::string_view rdn(dn.data() + start, end - start);
        while (!rdn.empty() && rdn.front() == ' ') rdn.remove_prefix(1);
        auto eq = rdn.find('=');
        if (eq != std::string_view::npos) {
            std::string name(rdn.substr(0, eq));
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
            if (name == attribute) values.emplace_back(rdn.substr(eq + 1));
        }
        start = end + 1;
    }
    return values;
}

std::string eight_digit_run(const std::string& value) {
    for (std::size_t i = 0; i < value.size();) {
        if (!is_digit(value[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < value.size() && is_digit(value[j])) ++j;
        if (j - i == 8) return value.substr(i, 8);
        i = j;
    }
    return {};
}

}  // namespace

bool looks_like_client_certificate(const CertificateInfo& info, TimePoint now) {
    if (info.is_ca) return false;
    if (info.not_after != TimePoint::max() && info.not_after + std::chrono::days(365) < now)
        return false;
    if (!info.extended_key_usage.empty())
        return has(info.extended_key_usage, "clientAuth") ||
               has(info.extended_key_usage, "anyExtendedKeyUsage");
    return has(info.key_usage, "digitalSignature");
}

bool takes_candidates(const CredentialKind& kind) {
    return kind.rule == Rule::certificate_validity && kind.match.empty();
}

std::string account_in_subject(const std::string& subject) {
    for (std::string_view attribute : {"CN", "UID"})
        for (const auto& value : attribute_values(subject, attribute))
            if (auto account = eight_digit_run(value); !account.empty()) return account;
    return {};
}

LearntMatch learn_match(const CredentialKind& kind, const CertificateInfo& info) {
    LearntMatch learnt;
    learnt.system = kind.system;
    learnt.kind = kind.id;
    learnt.issuer = info.issuer;
    learnt.subject_contains = account_in_subject(info.subject);
    learnt.learnt_from = info.sha256;
    return learnt;
}

CredentialKind with_learnt_match(const CredentialKind& kind,
                                 const std::vector<LearntMatch>& learnt) {
    if (!takes_candidates(kind)) return kind;
    for (const auto& l : learnt) {
        if (l.system != kind.system || l.kind != kind.id || l.issuer.empty()) continue;
        CredentialKind effective = kind;
        effective.match.issuer_contains = {l.issuer};
        effective.match.subject_contains.clear();
        if (!l.subject_contains.empty()) effective.match.subject_contains = {l.subject_contains};
        effective.match.learnt = true;
        return effective;
    }
    return kind;
}

std::vector<FoundCertificate> certificate_candidates(const CredentialKind& kind,
                                                     const std::vector<CredentialKind>& other_kinds,
                                                     const std::vector<InventoryEntry>& inventory,
                                                     TimePoint now) {
    std::vector<FoundCertificate> out;
    if (!takes_candidates(kind)) return out;
    std::set<std::string> seen;
    for (const auto& entry : inventory) {
        const FoundCertificate& cert = entry.certificate;
        if (!entry.bound_credential.empty() || seen.contains(cert.info.sha256)) continue;
        if (!looks_like_client_certificate(cert.info, now)) continue;
        const bool claimed =
            std::any_of(other_kinds.begin(), other_kinds.end(), [&](const CredentialKind& other) {
                return !(other.system == kind.system && other.id == kind.id) &&
                       other.rule == Rule::certificate_validity && matches(other.match, cert);
            });
        if (claimed) continue;
        seen.insert(cert.info.sha256);
        out.push_back(cert);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const FoundCertificate& a, const FoundCertificate& b) {
                         return a.info.not_after > b.info.not_after;
                     });
    return out;
}

}  // namespace credwatch
