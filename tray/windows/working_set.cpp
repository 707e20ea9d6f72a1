// Windows: emptying the working set moves its pages to the standby list; the ones still in use
// fault back without a disk read.

#include "working_set.hpp"

#include <windows.h>

#include <psapi.h>

namespace credwatch::tray {

std::size_t trim_working_set() {
    PROCESS_MEMORY_COUNTERS counters{};
    counters.cb = sizeof counters;
    const HANDLE self = ::GetCurrentProcess();
    if (!::GetProcessMemoryInfo(self, &counters, sizeof counters)) counters.WorkingSetSize = 0;
    if (!::SetProcessWorkingSetSize(self, static_cast<SIZE_T>(-1), static_cast<SIZE_T>(-1)))
        return 0;
    return counters.WorkingSetSize;
}

}  // namespace credwatch::tray
