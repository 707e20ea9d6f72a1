#pragma once
// Running the checks the catalog defines (docs/doctor.md): one implementation per kind behind
// CheckImplementation; the platform decides what applies (Windows-only kinds are "not
// applicable" elsewhere). Every network wait is bounded by the check's timeout_ms, itself capped
// by CheckContext::max_timeout. Nothing here reads a secret into a string.

#include "credwatch/base/clock.hpp"
#include "credwatch/domain/checks.hpp"
#include "credwatch/platform/platform.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::checks {

// An environment variable's value, nullopt when unset (tests give their own).
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
Environment process_environment();

struct CheckContext {
    const Clock& clock;  // the local clock the SNTP offset is measured against
    Environment environment = process_environment();
    // Whose session this is: a session check meant for another user (session_user) does not
    // apply here.
    std::string user = platform::current_user();
    std::chrono::milliseconds default_timeout{3000};
    std::chrono::milliseconds max_timeout{10000};

    // The check's timeout_ms within [100 ms, max_timeout], default_timeout when unset.
    std::chrono::milliseconds timeout_for(const CheckDefinition& check) const;
};

class CheckImplementation {
  public:
    virtual ~CheckImplementation() = default;
    virtual CheckResult run(const CheckDefinition& check, const CheckContext& context) const = 0;
};

// The implementation of a kind (never null).
const CheckImplementation& implementation_for(CheckKind kind);

// "windows" or "posix".
std::string_view current_platform();

struct CheckReport {
    CheckDefinition check;
    CheckResult result;
};

// One check: not_applicable when disabled, for another platform or for another user's session;
// the implementation's result otherwise, its elapsed time filled in.
CheckReport run_check(const CheckDefinition& check, const CheckContext& context);

// The checks of a user's session meant for context.user (session_user), run: what
// "report_checks" sends (credwatch/ipc/session_checks.hpp does the round trip).
std::vector<SessionCheckResult> run_session_checks(const std::vector<CheckDefinition>& checks,
                                                   const CheckContext& context);

// Every check of `systems` (all systems when empty), in catalog order.
std::vector<CheckReport> run_checks(const std::vector<CheckDefinition>& checks,
                                    const std::vector<std::string>& systems,
                                    const CheckContext& context);

}  // namespace credwatch::checks
