#pragma once
// Which certificate in the inventory belongs to which tracked credential.

#include "credwatch/domain/issuance.hpp"
#include "credwatch/domain/model.hpp"
#include "credwatch/domain/records.hpp"

#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace credwatch {

// Shell-style glob (* and ?) on a file name, case-insensitive for ASCII.
bool glob_match(std::string_view pattern, std::string_view name);

// Whether a certificate satisfies a kind's recognition rules: where it is (file name pattern or
// store), then what it is (issuer / subject substrings). An empty rule set matches nothing.
bool matches(const CertificateMatch& match, const FoundCertificate& cert);

// Whether a certificate may count for a credential at all. One the service scanned itself: for
// a machine credential, or for the user it was found for. One a user reported: only for that
// user's own credentials, or for a machine credential whose store_user is that user.
bool may_satisfy(const Credential& credential, const CredentialKind& kind,
                 const FoundCertificate& cert);

// The certificate a credential is tracked as: an explicit binding wins, unless a certificate
// that may satisfy it lasts longer and is its renewal (same issuer and subject) or, under a
// learnt match, matches; otherwise the matching certificate that may satisfy it (may_satisfy)
// with the latest notAfter. A binding to a reported certificate counts only where may_satisfy
// allows it.
std::optional<FoundCertificate> best_match(const Credential& credential, const CredentialKind& kind,
                                           const std::vector<InventoryEntry>& inventory);

// Distinct certificates (by SHA-256) ever matched for a kind: a floor for an issuance count.
int count_matching(const Credential& credential, const CredentialKind& kind,
                   const std::vector<InventoryEntry>& inventory);

// The same certificates, one per SHA-256 (the earliest first sighting of its copies), oldest
// notBefore first: each is an issuance for the issuance ledger. `tracked` adds the certificates
// (by SHA-256) the counted kind's own credentials track: a user's service certificate, found in
// that user's store, is an issuance of the clinic's quota although the quota is the machine's.
std::vector<CountedCertificate> counted_certificates(const Credential& credential,
                                                     const CredentialKind& kind,
                                                     const std::vector<InventoryEntry>& inventory,
                                                     const std::set<std::string>& tracked = {});

}  // namespace credwatch
