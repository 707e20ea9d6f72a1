#include "credwatch/ipc/session_checks.hpp"

#include "credwatch/ipc/json_codec.hpp"

#include <spdlog/spdlog.h>

namespace credwatch {

namespace json = boost::json;

Result<SessionReport> report_session_checks(IpcClient& client, const RunSessionChecks& run,
                                            const json::object& params) {
    CW_TRY_ASSIGN(listed, client.call("checks", params));
    SessionReport report{0, listed};
    std::vector<CheckDefinition> definitions;
    if (listed.is_object())
        if (const auto* s = listed.as_object().if_contains("session_checks"); s && s->is_array())
            for (const auto& item : s->as_array()) {
                auto check = check_definition_from_json(item);
                if (check)
                    definitions.push_back(std::move(*check));
                else
                    spdlog::warn("session checks: {}", check.error().message);
            }
    if (definitions.empty()) return report;
    json::array results;
    for (const auto& r : run(definitions)) results.push_back(to_json(r));
    if (results.empty()) return report;
    report.reported = results.size();
    json::object request = params;
    request["results"] = std::move(results);
    CW_TRY_ASSIGN(reply, client.call("report_checks", std::move(request)));
    report.reply = std::move(reply);
    return report;
}

}  // namespace credwatch
