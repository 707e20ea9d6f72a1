#include "credwatch/base/civil_time.hpp"

#include "civil_time_platform.hpp"

namespace credwatch {

std::tm local_tm(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

namespace detail {

std::tm utc_tm(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

}  // namespace detail
}  // namespace credwatch
