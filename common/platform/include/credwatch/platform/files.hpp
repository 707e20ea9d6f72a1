#pragma once
// Reading and replacing whole files; implementations in posix/files.cpp and windows/files.cpp.
// Error messages name the file (UTF-8).

#include "credwatch/base/error.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace credwatch::platform {

// Whether the last component of a path may be a symbolic link (or, on Windows, a junction or
// other reparse point) that is followed.
enum class Links {
    follow,  // a path someone named: where it points is what they meant
    refuse,  // a name found in a folder anyone may write to: a link is refused, never opened
};

// The whole content of a regular file of at most `max_bytes` bytes. Errc::not_found when it
// does not exist, Errc::io_error when it cannot be read (or is a directory), Errc::
// invalid_argument when it is larger than `max_bytes` (nothing beyond the limit is read).
// Messages: "<file>: cannot read: <reason>", "<file>: too large: more than <max_bytes> bytes".
[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& file,
                                            std::size_t max_bytes);

// The whole content of `file` if it is a regular file of at most `max_bytes` bytes, decided on
// the opened handle before anything is read (POSIX: O_NOFOLLOW with Links::refuse, O_NONBLOCK
// so that a FIFO never blocks, then fstat; Windows: FILE_FLAG_OPEN_REPARSE_POINT, then
// GetFileInformationByHandle). Errors as read_file, and Errc::skipped for anything that is not a
// regular file: "<file>: not read: a symbolic link (links are not followed)", "...: a FIFO",
// "...: a folder", "...: a device", "...: a socket".
[[nodiscard]] Result<std::string> read_regular_file(const std::filesystem::path& file,
                                                    std::size_t max_bytes,
                                                    Links links = Links::refuse);

// What read_regular_file's Errc::skipped `error` says the file is, the text after
// "<file>: not read: " ("a FIFO"); empty for any other error.
[[nodiscard]] std::string not_read_reason(const Error& error);

// Who may read a file written by write_file_atomically.
enum class FileAccess {
    everyone,    // POSIX: mode 0644 (exports, the metrics textfile)
    owner_only,  // POSIX: mode 0600 from its creation on (it names people); Windows: the
                 // folder's inherited ACL
};

// Replaces `file` with `content` so that readers see the old or the new content, never a
// part: written to "<file>.tmp" beside it, then renamed over it (POSIX: mode 0644, or 0600 for
// FileAccess::owner_only). The temporary
// file is created exclusively and never through a link (POSIX: O_CREAT | O_EXCL | O_NOFOLLOW,
// mode 0600 until written; Windows: CREATE_NEW): whatever was left or planted at that name is
// removed first (a link itself, never its target). On failure the temporary file is removed
// and `file` is left as it was.
[[nodiscard]] Status write_file_atomically(const std::filesystem::path& file,
                                           std::string_view content,
                                           FileAccess access = FileAccess::everyone);

}  // namespace credwatch::platform
