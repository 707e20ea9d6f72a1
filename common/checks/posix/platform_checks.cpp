#include "platform_checks.hpp"

#include "credwatch/checks/proxy_env.hpp"

namespace credwatch::checks::detail {

std::string_view platform_name() {
    return "posix";
}

std::filesystem::path system_drive(const Environment&) {
    return "/";
}

std::optional<OsProxy> os_proxy_for(std::string_view host, const Environment& environment) {
    if (auto p = proxy_from_environment(host, /*https=*/true, environment))
        return OsProxy{p->variable, p->proxy};
    return std::nullopt;
}

CheckResult run_windows_kind(const CheckDefinition& check, const CheckContext&) {
    CheckResult r;
    r.state = CheckState::not_applicable;
    if (check.kind == CheckKind::os_version) {
        r.evidence_ja =
            "この端末は Windows ではありません（マニュアルの端末要件の表は Windows と macOS "
            "の版を挙げています）。";
        r.evidence_en =
            "This machine does not run Windows (the manual's terminal table lists Windows and "
            "macOS versions).";
    } else {
        r.evidence_ja = "Windows だけの確認です（" + std::string(to_string(check.kind)) + "）。";
        r.evidence_en = "A Windows-only check (" + std::string(to_string(check.kind)) + ").";
    }
    return r;
}

}  // namespace credwatch::checks::detail
