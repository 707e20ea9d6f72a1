#pragma once
// The kinds' implementations (src/checks.cpp, src/network_checks.cpp).

#include "credwatch/checks/checks.hpp"

#include <string>

namespace credwatch::checks::detail {

CheckResult run_resolve(const CheckDefinition& check, const CheckContext& context);
CheckResult run_tcp(const CheckDefinition& check, const CheckContext& context);
CheckResult run_clock(const CheckDefinition& check, const CheckContext& context);

// A result in both languages.
inline CheckResult result(CheckState state, std::string ja, std::string en) {
    CheckResult r;
    r.state = state;
    r.evidence_ja = std::move(ja);
    r.evidence_en = std::move(en);
    return r;
}

}  // namespace credwatch::checks::detail
