#include "credwatch/base/lang.hpp"

#include <windows.h>

namespace credwatch::detail {

Lang platform_ui_language() {
    return PRIMARYLANGID(GetUserDefaultUILanguage()) == LANG_JAPANESE ? Lang::ja : Lang::en;
}

}  // namespace credwatch::detail
