#pragma once
// What a file that is not a regular one is, for the messages of posix/files.cpp and
// posix/folder_walk.cpp.

#include <sys/stat.h>

namespace credwatch::platform::detail {

inline const char* kind_of(mode_t mode) {
    if (S_ISLNK(mode)) return "a symbolic link (links are not followed)";
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    return "not a regular file";
}

}  // namespace credwatch::platform::detail
