// Linux: MADV_PAGEOUT on every read-only file mapping in /proc/self/maps. The kernel reclaims
// only pages no other process maps, so shared library pages of other programs stay put.

#include "working_set.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace credwatch::tray {

std::size_t trim_working_set() {
#ifdef MADV_PAGEOUT
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::size_t offered = 0;
    while (std::getline(maps, line)) {
        unsigned long long begin = 0, end = 0;
        char perms[5] = {};
        int path_at = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx %4s %*s %*s %*s %n", &begin, &end, perms,
                        &path_at) < 3)
            continue;
        const bool read_only = perms[0] == 'r' && perms[1] == '-';
        const bool file = path_at > 0 && static_cast<std::size_t>(path_at) < line.size() &&
                          line[static_cast<std::size_t>(path_at)] == '/';
        if (!read_only || !file || end <= begin) continue;
        // A hint: EINVAL on kernels before 5.4, or for locked ranges, is simply no trim.
        if (::madvise(reinterpret_cast<void*>(static_cast<std::uintptr_t>(begin)),
                      static_cast<std::size_t>(end - begin), MADV_PAGEOUT) == 0)
            offered += static_cast<std::size_t>(end - begin);
    }
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
    return offered;
#else
    return 0;
#endif
}

}  // namespace credwatch::tray
