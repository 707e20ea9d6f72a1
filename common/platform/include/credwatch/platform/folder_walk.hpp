#pragma once
// Walking a folder tree for files, and stamping files so that an unchanged one can be recognised
// without reading it; implementations in posix/folder_walk.cpp and windows/folder_walk.cpp.
// Locations are UTF-8, the same on POSIX and Windows.

#include "credwatch/platform/files.hpp"

#include <cstddef>
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

// The stamp of `file` (with Links::follow, of what a symbolic link points to; with
// Links::refuse, of the link itself). A file that does not exist gives a stamp with
// exists == false and no error; `ec` is set only when it cannot be examined for another reason.
[[nodiscard]] FileStamp stamp_of(const std::filesystem::path& file, std::error_code& ec,
                                 Links links = Links::follow);

struct WalkedFile {
    std::string location;         // UTF-8 path: the root, a separator, the names below it
    FileStamp stamp;              // exists == false when it vanished between listing and stat
    std::error_code stamp_error;  // stat failed for another reason than "no such file"
    bool named = false;           // given by the caller rather than found by a walk
};

struct WalkFailure {
    enum class Kind {
        unreadable,  // a folder that cannot be listed (or not wholly)
        skipped,     // an entry left alone: a link, junction, FIFO, device or socket
        limit,       // the walk stopped at kMaxWalkDepth or kMaxWalkEntries
    };
    std::string location;  // UTF-8 path of the folder or entry
    std::string message;   // "<location>: <reason>", e.g. "cannot list the folder: ...",
                           // "skipped: a symbolic link (links are not followed)"
    Kind kind = Kind::unreadable;
};

// Below a folder given to walk_folder: at most this many folders deep, and at most this many
// entries (files, folders, skipped entries) listed in all. A planted tree cannot keep a scan busy.
inline constexpr std::size_t kMaxWalkDepth = 32;
inline constexpr std::size_t kMaxWalkEntries = 200'000;

struct WalkLimits {
    std::size_t max_depth = kMaxWalkDepth;
    std::size_t max_entries = kMaxWalkEntries;
};

// Appends to `files` every regular file below the folder `root` (UTF-8) whose name
// `wanted_name` accepts, with its stamp, and to `failures` every folder that cannot be listed
// (`root` included), every entry that is neither a regular file nor a real folder (a symbolic
// link, a junction or other reparse point, a FIFO, a device, a socket: never followed or
// opened, whatever its name), and each limit reached. Only `root` itself may be a link.
// Depth-first, subfolders in name order; each real folder is listed once. Files come in listing
// order, not sorted.
void walk_folder(const std::string& root, const std::function<bool(std::string_view)>& wanted_name,
                 std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures,
                 const WalkLimits& limits = {});

}  // namespace credwatch::platform
