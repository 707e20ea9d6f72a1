#include "credwatch/domain/matching.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace credwatch {

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains_any(const std::vector<std::string>& needles, const std::string& haystack) {
    if (needles.empty()) return true;
    return std::any_of(needles.begin(), needles.end(),
                       [&](const std::string& n) { return haystack.find(n) != std::string::npos; });
}

std::string file_name_of(const std::string& location) {
    auto slash = location.find_last_of("/\\");
    return slash == std::string::npos ? location : location.substr(slash + 1);
}

// The user whose report may satisfy a machine credential: the credential's store_user, else
// its kind's; empty when none.
const std::string& store_user_of(const Credential& credential, const CredentialKind& kind) {
    return credential.store_user.empty() ? kind.store_user : credential.store_user;
}

// Whether the entry is bound to the credential and the binding counts: a binding picks among
// the certificates that may satisfy the credential; it does not lift the owner rule (a user
// can bind what they reported to a machine credential). One the service scanned always counts.
bool bound_to(const InventoryEntry& entry, const Credential& credential,
              const CredentialKind& kind) {
    return !credential.id.empty() && entry.bound_credential == credential.id &&
           (entry.certificate.provenance == Provenance::scanned ||
            may_satisfy(credential, kind, entry.certificate));
}

}  // namespace

bool may_satisfy(const Credential& credential, const CredentialKind& kind,
                 const FoundCertificate& cert) {
    switch (cert.provenance) {
        case Provenance::scanned:
            return credential.owner == "machine" || credential.owner == cert.owner;
        case Provenance::reported:
            if (credential.owner == "machine") {
                const std::string& store_user = store_user_of(credential, kind);
                return !store_user.empty() && store_user == cert.owner;
            }
            return credential.owner == cert.owner;
    }
    return false;
}

bool glob_match(std::string_view pattern, std::string_view name) {
    std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
    while (n < name.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(name[n]))) {
            ++p;
            ++n;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool matches(const CertificateMatch& match, const FoundCertificate& cert) {
    if (match.empty()) return false;
    bool placed;
    if (cert.source == "file") {
        std::string name = file_name_of(cert.location);
        bool any_file =
            std::find(match.stores.begin(), match.stores.end(), "file") != match.stores.end();
        placed = std::any_of(match.file_patterns.begin(), match.file_patterns.end(),
                             [&](const std::string& g) { return glob_match(g, name); }) ||
                 (any_file && match.file_patterns.empty()) ||
                 (match.file_patterns.empty() && match.stores.empty());
    } else {
        placed = match.stores.empty() || std::find(match.stores.begin(), match.stores.end(),
                                                   cert.location) != match.stores.end();
    }
    return placed && contains_any(match.issuer_contains, cert.info.issuer) &&
           contains_any(match.subject_contains, cert.info.subject);
}

std::optional<FoundCertificate> best_match(const Credential& credential, const CredentialKind& kind,
                                           const std::vector<InventoryEntry>& inventory) {
    const FoundCertificate* best = nullptr;
    auto consider = [&](const FoundCertificate& c) {
        if (!best || c.info.not_after > best->info.not_after) best = &c;
    };
    for (const auto& entry : inventory)
        if (bound_to(entry, credential, kind)) consider(entry.certificate);
    if (best) {
        // A binding names a certificate, not a year of it: its renewal (same issuer and
        // subject) follows it, and under a learnt match so does any newer matching one.
        const FoundCertificate bound = *best;
        for (const auto& entry : inventory) {
            const FoundCertificate& c = entry.certificate;
            if (!entry.bound_credential.empty() && entry.bound_credential != credential.id)
                continue;
            if (c.info.not_after <= bound.info.not_after || !may_satisfy(credential, kind, c))
                continue;
            const bool renewal =
                c.info.issuer == bound.info.issuer && c.info.subject == bound.info.subject;
            if (renewal || (kind.match.learnt && matches(kind.match, c))) consider(c);
        }
    } else {
        for (const auto& entry : inventory) {
            if (entry.bound_credential.empty() &&
                may_satisfy(credential, kind, entry.certificate) &&
                matches(kind.match, entry.certificate))
                consider(entry.certificate);
        }
    }
    if (!best) return std::nullopt;
    return *best;
}

int count_matching(const Credential& credential, const CredentialKind& kind,
                   const std::vector<InventoryEntry>& inventory) {
    std::set<std::string> seen;
    for (const auto& entry : inventory) {
        const FoundCertificate& cert = entry.certificate;
        if (bound_to(entry, credential, kind) ||
            (may_satisfy(credential, kind, cert) && matches(kind.match, cert)))
            seen.insert(cert.info.sha256);
    }
    return static_cast<int>(seen.size());
}

std::vector<CountedCertificate> counted_certificates(const Credential& credential,
                                                     const CredentialKind& kind,
                                                     const std::vector<InventoryEntry>& inventory,
                                                     const std::set<std::string>& tracked) {
    std::map<std::string, CountedCertificate> by_sha;
    for (const auto& entry : inventory) {
        const FoundCertificate& cert = entry.certificate;
        if (!(bound_to(entry, credential, kind) || tracked.contains(cert.info.sha256) ||
              (may_satisfy(credential, kind, cert) && matches(kind.match, cert))))
            continue;
        auto [it, added] = by_sha.try_emplace(
            cert.info.sha256, CountedCertificate{cert.info.sha256, cert.info.subject,
                                                 cert.info.not_before, entry.first_seen});
        if (!added && entry.first_seen < it->second.first_seen)
            it->second.first_seen = entry.first_seen;
    }
    std::vector<CountedCertificate> out;
    for (auto& [sha, c] : by_sha) out.push_back(std::move(c));
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.not_before < b.not_before; });
    return out;
}

}  // namespace credwatch
