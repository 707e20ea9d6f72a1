#pragma once
// What write_file_atomically (src/files.cpp) asks of each platform.

#include "credwatch/base/error.hpp"

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace credwatch::platform::detail {

// read_file's errors, alike on both platforms: "<file>: cannot read: <reason>" (not_found for
// ENOENT, else io_error) and "<file>: too large: more than <max_bytes> bytes".
Error read_error(const std::filesystem::path& file, int error_number);
Error too_large(const std::filesystem::path& file, std::size_t max_bytes);
// read_regular_file's refusal: Errc::skipped, "<file>: not read: <what> ".
Error not_regular(const std::filesystem::path& file, std::string_view what);

// Writes `content` to a new file `temp`, created exclusively and never through a link: what is
// at that name (a stale temporary file, a planted link) is removed first, the link itself and
// never its target (POSIX: unlink, then O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600 while written
// and 0644 after unless `access` is owner_only; Windows: DeleteFileW, then CREATE_NEW, the
// folder's inherited ACL). On failure nothing is left at `temp`; the error names `temp`.
[[nodiscard]] Status write_new_file(const std::filesystem::path& temp, std::string_view content,
                                    FileAccess access);

// Renames the written `temp` over `file` in one step (POSIX: rename; Windows: MoveFileExW with
// MOVEFILE_REPLACE_EXISTING). On failure `temp` is removed and `file` is left as it was; the error
// names `file`.
[[nodiscard]] Status replace_file(const std::filesystem::path& temp,
                                  const std::filesystem::path& file);

}  // namespace credwatch::platform::detail
