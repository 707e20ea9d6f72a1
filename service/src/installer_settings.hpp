#pragma once
// The MSI's public properties, handed to `credwatch-service configure --from-installer` through
// the registry (HKLM\Software\credwatch\Installer, one REG_SZ value per setting key, written
// by the package's Registry table) instead of the command line: a value is then only ever a
// value, whatever quotes, spaces or "--" it holds. wix/credwatch.wxs writes them.

#include "credwatch/base/error.hpp"

#include <string>
#include <vector>

namespace credwatch {

// "key=value" for every non-empty value (key: a site setting key such as email.smtp_host),
// then the values are deleted (they are copies of site.toml, which only administrators read).
// Other platforms: an error (there is no installer).
[[nodiscard]] Result<std::vector<std::string>> take_installer_settings();

}  // namespace credwatch
