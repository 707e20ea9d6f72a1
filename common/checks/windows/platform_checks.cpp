#include "platform_checks.hpp"

#include "credwatch/checks/proxy_env.hpp"

namespace credwatch::checks::detail {

std::string_view platform_name() {
    return "windows";
}

std::filesystem::path system_drive(const Environment& environment) {
    const auto drive = environment("SystemDrive");
    return std::filesystem::path(drive && !drive->empty() ? *drive : std::string("C:")) / "";
}

// WinHTTP (netsh winhttp) and the user's Internet Settings are not read yet: only the
// environment, which programs such as curl follow (docs/doctor.md, not yet built).
std::optional<OsProxy> os_proxy_for(std::string_view host, const Environment& environment) {
    if (auto p = proxy_from_environment(host, /*https=*/true, environment))
        return OsProxy{p->variable, p->proxy};
    return std::nullopt;
}

CheckResult run_windows_kind(const CheckDefinition& check, const CheckContext&) {
    CheckResult r;
    r.state = CheckState::cannot_check;
    r.evidence_ja = "この版の credwatch はこの確認（" + std::string(to_string(check.kind)) +
                    "）をまだ行えません。マニュアルの手順で確認してください。";
    r.evidence_en = "This version of credwatch cannot run this check (" +
                    std::string(to_string(check.kind)) + ") yet: check it by the manual's steps.";
    return r;
}

}  // namespace credwatch::checks::detail
