#pragma once
// Giving back memory that only start-up or a closed window needed.

#include <cstddef>

namespace credwatch::tray {

// Asks the OS to drop the pages of the program's read-only file mappings (code, constants,
// relocation tables, fonts) that only this process holds; the ones still in use come back
// from the page cache or the disk at their next touch. Nothing is lost: no writable or
// anonymous memory is touched. Returns how many bytes were offered back (0 where the OS
// cannot do it). POSIX: madvise(MADV_PAGEOUT), Linux 5.4+; Windows: SetProcessWorkingSetSize.
std::size_t trim_working_set();

}  // namespace credwatch::tray
