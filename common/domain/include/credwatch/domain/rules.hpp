#pragma once
// The four deadline rules: what state a credential is in at one instant.

#include "credwatch/domain/model.hpp"

namespace credwatch {

// The kind's thresholds with the credential's own overrides applied.
int effective_limit(const Credential& credential, const CredentialKind& kind);
int effective_lifetime(const Credential& credential, const CredentialKind& kind);

// Pure: depends only on its arguments and the machine's local time zone.
Evaluation evaluate(const Credential& credential, const CredentialKind& kind, TimePoint now);

}  // namespace credwatch
