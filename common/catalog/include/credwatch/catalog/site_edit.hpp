#pragma once
// Editing the site configuration (DATA_DIR/site.toml) from settings given on a command line:
// what `credwatch-service configure --set key=value ...` does, e.g. from the MSI installer's
// public properties (docs/deployment.md). Only the keys given change; the file is created from
// the bundled default when missing, validated with the normal parser and replaced atomically.
// Comments in the edited file are not kept (the file is re-serialised).

#include "credwatch/base/error.hpp"
#include "credwatch/catalog/catalog.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

struct SiteEdits {
    std::optional<std::vector<std::string>> email_to;        // email.to      "a@x, B <b@y>"
    std::optional<std::string> smtp_host;                    // email.smtp_host
    std::optional<int> smtp_port;                            // email.smtp_port
    std::optional<std::string> smtp_from;                    // email.from
    std::optional<std::string> smtp_tls;                     // email.tls (starttls|implicit|none)
    std::optional<std::vector<int>> thresholds_password;     // thresholds.password "14,7,3,1"
    std::optional<std::vector<int>> thresholds_certificate;  // thresholds.certificate
    std::optional<std::vector<std::string>>
        certificate_folders;                          // service.certificate_folders "A;B"
    std::optional<std::string> organisation;          // service.organisation
    std::optional<std::string> language;              // service.language (ja|en|auto)
    std::optional<std::vector<std::string>> systems;  // service.systems "a,b" (catalog ids)
    std::optional<std::string> metrics_textfile;      // metrics.textfile (*.prom)
    std::optional<std::string> site_id;               // metrics.site_id
    std::optional<std::string> account;               // metrics.account

    bool empty() const;
};

// The keys accepted by set_site_setting, in the order of the documentation.
const std::vector<std::string>& site_setting_keys();

// "key=value" -> edits. An empty value means "not given" and changes nothing (so an installer
// can pass every property, given or not). Unknown keys and malformed values are errors.
[[nodiscard]] Status set_site_setting(SiteEdits& edits, std::string_view assignment);

// Applies the edits to a site file's text. Thresholds go to [kind."system/kind"] thresholds
// of every catalog kind with the rule password_rotation / certificate_validity. When an e-mail
// setting is given and smtp_host, from and to are all present, [email] enabled becomes true.
[[nodiscard]] Result<std::string> edit_site_text(std::string_view site_text,
                                                 std::string_view site_name, const SiteEdits& edits,
                                                 const Catalog& catalog);

// Edits site_file (created from the bundled default when missing) and replaces it atomically
// after the result validated against the catalog (catalog_file empty: the embedded one).
// Returns true when the file changed.
[[nodiscard]] Result<bool> edit_site_file(const std::filesystem::path& site_file,
                                          const SiteEdits& edits,
                                          const std::filesystem::path& catalog_file);

}  // namespace credwatch
