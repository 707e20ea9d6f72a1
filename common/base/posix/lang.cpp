#include "credwatch/base/lang.hpp"

namespace credwatch::detail {

Lang platform_ui_language() {
    return Lang::en;
}

}  // namespace credwatch::detail
