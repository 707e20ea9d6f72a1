#pragma once
// The C library's calendar conversions, whose thread-safe forms differ between POSIX
// (gmtime_r) and the Windows C runtime (gmtime_s). local_tm is public (civil_time.hpp).

#include <ctime>

namespace credwatch::detail {

std::tm utc_tm(std::time_t t);

}  // namespace credwatch::detail
