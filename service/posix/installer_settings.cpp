#include "installer_settings.hpp"

namespace credwatch {

Result<std::vector<std::string>> take_installer_settings() {
    return make_error(Errc::invalid_argument,
                      "--from-installer: there is no installer on this platform (use --set)");
}

}  // namespace credwatch
