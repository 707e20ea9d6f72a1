#pragma once
// Walking a folder tree for files, and stamping files so that an unchanged one can be recognised
// without reading it; implementations in posix/folder_walk.cpp and windows/folder_walk.cpp.
// Locations are UTF-8, the same on POSIX and Windows.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace credwatch::platform {

// What identifies an unchanged file. On POSIX one stat() gives all of it; the inode and ctime
// also catch a file replaced by rename, or whose permissions changed. On Windows only size and
// modification time are filled in.
struct FileStamp {
    bool exists = false;
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
    std::int64_t ctime = 0;
    std::uint64_t inode = 0;
    bool operator==(const FileStamp&) const = default;
};

// The stamp of `file` (symlinks followed). A file that does not exist gives a stamp with
// exists == false and no error; `ec` is set only when it cannot be examined for another reason.
[[nodiscard]] FileStamp stamp_of(const std::filesystem::path& file, std::error_code& ec);

struct WalkedFile {
    std::string location;         // UTF-8 path: the root, a separator, the names below it
    FileStamp stamp;              // exists == false for a dangling link
    std::error_code stamp_error;  // stat failed for another reason than "no such file"
};

struct WalkFailure {
    std::string location;  // UTF-8 path of the folder
    std::string message;   // "<folder>: cannot list the folder: <reason>", or "the whole folder"
};

// Appends to `files` every regular file (or link to one, or dangling link) below the folder
// `root` (UTF-8) whose name `wanted_name` accepts, with its stamp, and to `failures` every folder
// that cannot be listed (`root` included). Depth-first, subfolders in name order; each real
// folder is listed once, so symlink loops end. Files come in listing order, not sorted.
void walk_folder(const std::string& root, const std::function<bool(std::string_view)>& wanted_name,
                 std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures);

}  // namespace credwatch::platform
