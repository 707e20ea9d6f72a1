#pragma once
// Reading and replacing whole files; implementations in posix/files.cpp and windows/files.cpp.
// Error messages name the file (UTF-8).

#include "credwatch/base/error.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace credwatch::platform {

// The whole content of a regular file of at most `max_bytes` bytes. Errc::not_found when it
// does not exist, Errc::io_error when it cannot be read (or is a directory), Errc::
// invalid_argument when it is larger than `max_bytes` (nothing beyond the limit is read).
// Messages: "<file>: cannot read: <reason>", "<file>: too large: more than <max_bytes> bytes".
[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& file,
                                            std::size_t max_bytes);

// Who may read a file written by write_file_atomically.
enum class FileAccess {
    everyone,    // POSIX: mode 0644 (exports, the metrics textfile)
    owner_only,  // POSIX: mode 0600 from its creation on (it names people); Windows: the
                 // folder's inherited ACL
};

// Replaces `file` with `content` so that readers see the old or the new content, never a
// part: written to "<file>.tmp" beside it, then renamed over it (POSIX: mode 0644, or 0600 for
// FileAccess::owner_only). On failure the temporary file is removed and `file` is left as it
// was.
[[nodiscard]] Status write_file_atomically(const std::filesystem::path& file,
                                           std::string_view content,
                                           FileAccess access = FileAccess::everyone);

}  // namespace credwatch::platform
