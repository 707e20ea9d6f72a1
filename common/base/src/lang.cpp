#include "credwatch/base/lang.hpp"

#include <cstdlib>
#include <string_view>

namespace credwatch {

Lang resolve_language(std::string_view setting) {
    if (setting == "ja") return Lang::ja;
    if (setting == "en") return Lang::en;
    for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* value = std::getenv(var);
        if (value && *value) return std::string_view(value).starts_with("ja") ? Lang::ja : Lang::en;
    }
    return detail::platform_ui_language();
}

}  // namespace credwatch
