#pragma once
// The reminder engine: which reminder, if any, is due for a credential now.
//
// Each threshold fires once per credential generation. Thresholds are "crossed", not "hit":
// when the service was off or the wall clock jumped past several thresholds, the most urgent
// one fires and the less urgent ones are recorded as superseded, so nothing fires late and
// nothing fires twice, whichever way the clock moves.

#include "credwatch/domain/model.hpp"
#include "credwatch/domain/records.hpp"

#include <optional>
#include <set>
#include <string>

namespace credwatch {

std::optional<DueReminder> due_reminder(const Credential& credential, const CredentialKind& kind,
                                        const Evaluation& evaluation, Date today,
                                        const std::set<std::string>& fired_keys);

}  // namespace credwatch
