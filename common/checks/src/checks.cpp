#include "credwatch/checks/checks.hpp"

#include "credwatch/base/strings.hpp"
#include "implementations.hpp"
#include "platform_checks.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace credwatch::checks {

using detail::result;

namespace {

class FunctionCheck final : public CheckImplementation {
  public:
    using Run = CheckResult (*)(const CheckDefinition&, const CheckContext&);
    explicit FunctionCheck(Run function) : run_(function) {}
    CheckResult run(const CheckDefinition& check, const CheckContext& context) const override {
        return run_(check, context);
    }

  private:
    Run run_;
};

// UDP 500/4500 answer nothing to a probe whether open or filtered: only IKE proves them.
CheckResult run_udp(const CheckDefinition& check, const CheckContext&) {
    const std::string target = check.params.text_or("host", "") + " UDP " +
                               std::to_string(check.params.number_or("port", 0));
    return result(
        CheckState::cannot_check,
        target +
            " は確認できません。UDP は開いていても閉じていても応答がなく、IKE の交換（VPN "
            "の接続そのもの）でしか確かめられません。VPN クライアント（AnyConnect）で接続して"
            "確認してください。つながらないときは、ルーター・ファイアウォールで UDP 500・4500 "
            "の送信と IPsec パススルー（NAT-T）が許可されているか管理者に確認してください。",
        target +
            " cannot be checked: UDP gets no answer whether the port is open or filtered, and "
            "only an IKE exchange (the VPN connection itself) proves it. Connect with the VPN "
            "client (AnyConnect) to check; if it does not connect, ask the administrator of "
            "the router and firewall that outgoing UDP 500 and 4500 and IPsec pass-through "
            "(NAT-T) are allowed.");
}

CheckResult run_disk_free(const CheckDefinition& check, const CheckContext& context) {
    const std::string param = check.params.text_or("path", "");
    const std::filesystem::path path =
        param.empty() ? detail::system_drive(context.environment) : std::filesystem::path(param);
    const long long min_mb = check.params.number_or("min_mb", 100);
    std::error_code ec;
    const auto space = std::filesystem::space(path, ec);
    const std::string where = path_to_utf8(path);
    if (ec)
        return result(CheckState::cannot_check, where + " の空き容量を読めません: " + ec.message(),
                      "cannot read the free space of " + where + ": " + ec.message());
    const auto free_mb = static_cast<long long>(space.available / (1024 * 1024));
    const std::string figures = std::to_string(free_mb) + " MB / " + std::to_string(min_mb) + " MB";
    if (free_mb < min_mb)
        return result(problem_state(check.severity),
                      where + " の空き容量が足りません（空き / 必要: " + figures + "）。",
                      "not enough free space on " + where + " (free / needed: " + figures + ").");
    return result(CheckState::ok, where + " の空き容量: " + figures + "（空き / 必要）。",
                  "free space on " + where + ": " + figures + " (free / needed).");
}

CheckResult run_proxy(const CheckDefinition& check, const CheckContext& context) {
    const std::string host = check.params.text_or("host", "");
    const std::string expect = check.params.text_or("expect", "direct");
    const std::string wanted = check.params.text_or("proxy", "");
    const auto found = detail::os_proxy_for(host, context.environment);
    if (expect == "direct") {
        if (!found)
            return result(CheckState::ok, host + " へはプロキシを使わず直接つながる設定です。",
                          host + " is reached directly, without a proxy.");
        return result(problem_state(check.severity),
                      host + " にプロキシ " + found->proxy + "（" + found->source +
                          "）が使われる設定です。マニュアルは直接の接続を求めています。",
                      "a proxy " + found->proxy + " (" + found->source + ") applies to " + host +
                          "; the manual requires a direct connection.");
    }
    if (found && found->proxy == wanted)
        return result(CheckState::ok,
                      host + " へはプロキシ " + wanted + "（" + found->source + "）を使います。",
                      host + " goes through the proxy " + wanted + " (" + found->source + ").");
    const std::string seen = found ? found->proxy + " (" + found->source + ")" : "direct";
    return result(problem_state(check.severity),
                  host + " に必要なプロキシは " + wanted + " ですが、設定は " + seen + " です。",
                  host + " needs the proxy " + wanted + ", the setting is " + seen + ".");
}

}  // namespace

Environment process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    };
}

std::chrono::milliseconds CheckContext::timeout_for(const CheckDefinition& check) const {
    const long long ms = check.params.number_or("timeout_ms", default_timeout.count());
    return std::clamp(std::chrono::milliseconds(ms), std::chrono::milliseconds(100), max_timeout);
}

const CheckImplementation& implementation_for(CheckKind kind) {
    static const FunctionCheck resolve(detail::run_resolve), tcp(detail::run_tcp), udp(run_udp),
        clock(detail::run_clock), disk(run_disk_free), proxy(run_proxy),
        windows(detail::run_windows_kind);
    switch (kind) {
        case CheckKind::resolve:
            return resolve;
        case CheckKind::tcp:
            return tcp;
        case CheckKind::udp:
            return udp;
        case CheckKind::clock:
            return clock;
        case CheckKind::disk_free:
            return disk;
        case CheckKind::proxy:
            return proxy;
        case CheckKind::os_version:
        case CheckKind::software_absent:
        case CheckKind::credential_present:
        case CheckKind::scheduled_task:
        case CheckKind::account:
        case CheckKind::certificate_present:
            break;
    }
    return windows;
}

std::string_view current_platform() {
    return detail::platform_name();
}

CheckReport run_check(const CheckDefinition& check, const CheckContext& context) {
    CheckReport report{check, {}};
    if (!check.enabled) {
        report.result =
            result(CheckState::not_applicable,
                   "無効にされています（カタログの既定、またはサイト設定の enabled = false）。",
                   "disabled (by the catalog's default or the site's enabled = false).");
        return report;
    }
    if (!check.platforms.empty() && std::find(check.platforms.begin(), check.platforms.end(),
                                              current_platform()) == check.platforms.end()) {
        report.result = result(CheckState::not_applicable, "この OS には当てはまりません。",
                               "does not apply to this operating system.");
        return report;
    }
    if (!is_session_user(check, context.user)) {
        const std::string wanted = session_user_of(check);
        report.result =
            result(CheckState::not_applicable,
                   wanted + " のセッションで確かめるチェックです（いまのユーザーは " +
                       context.user + "）。" + wanted + " でサインインしたときに確かめます。",
                   "checked in the session of " + wanted + " (this is " + context.user +
                       "'s): it runs when " + wanted + " is signed in.");
        return report;
    }
    const auto start = std::chrono::steady_clock::now();
    report.result = implementation_for(check.kind).run(check, context);
    report.result.elapsed_ms =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count());
    return report;
}

std::vector<CheckReport> run_checks(const std::vector<CheckDefinition>& checks,
                                    const std::vector<std::string>& systems,
                                    const CheckContext& context) {
    std::vector<CheckReport> reports;
    for (const auto& check : checks) {
        if (!systems.empty() &&
            std::find(systems.begin(), systems.end(), check.system) == systems.end())
            continue;
        reports.push_back(run_check(check, context));
    }
    return reports;
}

std::vector<SessionCheckResult> run_session_checks(const std::vector<CheckDefinition>& checks,
                                                   const CheckContext& context) {
    std::vector<SessionCheckResult> results;
    for (const auto& check : checks)
        if (runs_in_a_session(check.kind) && is_session_user(check, context.user)) {
            CheckResult found = run_check(check, context).result;
            // What the service takes: text without control characters, at most 4 KiB (a store
            // full of certificates lists more).
            for (std::string* evidence : {&found.evidence_ja, &found.evidence_en})
                *evidence = truncate_utf8(escape_for_display(*evidence), kMaxReportedEvidenceBytes);
            results.push_back({check.system, check.id, std::move(found)});
        }
    return results;
}

}  // namespace credwatch::checks
