#pragma once
// The checks of a user's session (Credential Manager, the user's certificate stores) run where
// they can be: in that user's own process (the tray, `credwatch checks --report`). The round
// trip: the service names them ("session_checks" of the "checks" reply), `run` runs them here,
// and "report_checks" hands the results back (docs/doctor.md). Running them is common/checks'
// part (checks::run_session_checks); this is the protocol's.

#include "credwatch/domain/checks.hpp"
#include "credwatch/ipc/ipc_client.hpp"

#include <boost/json.hpp>

#include <functional>
#include <vector>

namespace credwatch {

using RunSessionChecks =
    std::function<std::vector<SessionCheckResult>(const std::vector<CheckDefinition>&)>;

struct SessionReport {
    std::size_t reported = 0;  // 0: nothing of this session to report (no request was sent)
    boost::json::value reply;  // the "report_checks" reply, else the "checks" reply
};

// `params` go with both requests ("client").
[[nodiscard]] Result<SessionReport> report_session_checks(IpcClient& client,
                                                          const RunSessionChecks& run,
                                                          const boost::json::object& params = {});

}  // namespace credwatch
