#pragma once
// Finding a kind's certificate when the catalog cannot say what it looks like (the cancer
// registry's service certificate: its issuer is documented nowhere). Certificates that no other
// kind claims and that look like a client certificate are candidates; a person confirms one,
// and credwatch learns the kind's match from it for this site.

#include "credwatch/base/clock.hpp"
#include "credwatch/domain/certificate.hpp"
#include "credwatch/domain/model.hpp"
#include "credwatch/domain/records.hpp"

#include <string>
#include <vector>

namespace credwatch {

// A kind's match learnt from one confirmed certificate.
struct LearntMatch {
    std::string system;
    std::string kind;
    std::string issuer;            // the issuer DN, exactly as read
    std::string subject_contains;  // the account the subject names ("04500001"), or empty
    std::string learnt_from;       // SHA-256 of the confirmed certificate
    TimePoint learnt_at;
    std::string os_user;  // who confirmed it
};

// A client certificate as far as its extensions tell: not a CA; clientAuth among its extended
// key usages when it has them (anyExtendedKeyUsage counts), else digitalSignature among its key
// usages; and not expired for longer than a year at `now`.
bool looks_like_client_certificate(const CertificateInfo& info, TimePoint now);

// Whether a kind takes candidates: a certificate kind whose catalog match is empty.
bool takes_candidates(const CredentialKind& kind);

// The account a subject names: the first run of exactly eight digits in its CN or UID
// ("CN=04500001", "UID=04500001,CN=山田"), else empty.
std::string account_in_subject(const std::string& subject);

// The match a confirmed certificate teaches: its issuer, and the account its subject names.
LearntMatch learn_match(const CredentialKind& kind, const CertificateInfo& info);

// The kind as matching sees it: a kind that takes candidates gets its learnt match (same
// stores as the catalog's), marked learnt; any other kind is returned as it is.
CredentialKind with_learnt_match(const CredentialKind& kind,
                                 const std::vector<LearntMatch>& learnt);

// Candidates for `kind` (which must take candidates and have no learnt match): inventory
// certificates that look like client certificates, are bound to no credential and that no kind
// in `other_kinds` (as with_learnt_match makes them) matches. One per SHA-256, latest notAfter
// first.
std::vector<FoundCertificate> certificate_candidates(const CredentialKind& kind,
                                                     const std::vector<CredentialKind>& other_kinds,
                                                     const std::vector<InventoryEntry>& inventory,
                                                     TimePoint now);

}  // namespace credwatch
