#pragma once
// The four deadline rules: what state a credential is in at one instant.

#include "credwatch/domain/model.hpp"

namespace credwatch {

// The kind's thresholds with the credential's own overrides applied.
int effective_limit(const Credential& credential, const CredentialKind& kind);
int effective_lifetime(const Credential& credential, const CredentialKind& kind);

// Pure: depends only on its arguments and the machine's local time zone.
Evaluation evaluate(const Credential& credential, const CredentialKind& kind, TimePoint now);

// A certificate credential with no certificate bound, whose kind documents a lifetime
// (expected_lifetime_days > 0): evaluated as if its certificate lapsed that long after
// `issued_at`, the last recorded issuance of it, and marked estimated. Any other credential, or
// a kind without a documented lifetime, evaluates as evaluate() does.
Evaluation evaluate_with_estimate(const Credential& credential, const CredentialKind& kind,
                                  std::optional<TimePoint> issued_at, TimePoint now);

}  // namespace credwatch
