#pragma once
// The view model of the tray's 接続チェック window: the service's "checks" / "run_checks" replies
// and its "symptoms" guide, as the window shows them. No GUI (wxBase for gettext only), so the
// logic is unit-tested without a display; docs/doctor.md describes the window.

#include "credwatch/base/lang.hpp"
#include "credwatch/domain/checks.hpp"
#include "tray_model.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace credwatch::tray {

struct CheckView {
    std::string system, id;  // "cancer-registry", "resolve-mio"
    std::string kind, severity;
    std::string user;  // the session that reported it; "" for the service's own check
    CheckState state = CheckState::cannot_check;
    std::string title, evidence, fix;  // in the UI language
    std::string manual;
    std::string checked_at_utc, failing_since_utc;  // as the service sent them; may be empty

    std::string path() const { return system + "/" + id; }
    // The fix and the manual are shown for a check that found or could not rule out a problem.
    bool shows_fix() const {
        return state != CheckState::ok && state != CheckState::not_applicable;
    }
};

struct ChecksView {
    bool connected = false;  // false: the service was not reached (the window greys out)
    std::string error;       // why not
    std::vector<CheckView> checks;
    std::string last_run_utc, next_run_utc;
    bool running = false;
    bool throttled = false;  // "check again" within 30 s: the current results were answered
};

struct SymptomView {
    std::string system;
    std::string message, what_to_do;  // in the UI language
    std::string manual;
    std::vector<std::string> checks;  // check paths
};

// The reply of "checks" or "run_checks"; unknown states read as cannot_check.
ChecksView checks_from_json(const boost::json::object& reply, Lang lang);
std::vector<SymptomView> symptoms_from_json(const boost::json::object& reply, Lang lang);

// 正常 / 注意 / 失敗 / 対象外 / 確認不可 (through the tray's catalog).
std::string check_state_label(CheckState state);
// The state's colour: green ok, amber warning, red failed, grey not applicable / cannot check.
TrayColour check_state_colour(CheckState state) noexcept;
// "2026年12月2日 10:00" / "2 Dec 2026 10:00" in local time; "—" for an empty or bad instant.
std::string local_time_label(const std::string& utc);
// "Last run: …" (or "Not run yet"), with "running now" while a run is on.
std::string last_run_label(const ChecksView& view);
// What the window says above the list: the service is unreachable, or the throttle answered.
std::string checks_banner(const ChecksView& view);
// The related checks of a symptom with their current states: "resolve-mio: 失敗, tcp-mio-443:
// 正常"; a check the service does not report reads "—" (a session's check, or disabled).
std::string related_checks_label(const SymptomView& symptom, const ChecksView& view);
const CheckView* find_check(const ChecksView& view, std::string_view path);

}  // namespace credwatch::tray
