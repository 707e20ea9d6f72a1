#pragma once
// What write_file_atomically (src/files.cpp) asks of each platform.

#include "credwatch/base/error.hpp"

#include <cstddef>
#include <filesystem>

namespace credwatch::platform::detail {

// read_file's errors, alike on both platforms: "<file>: cannot read: <reason>" (not_found for
// ENOENT, else io_error) and "<file>: too large: more than <max_bytes> bytes".
Error read_error(const std::filesystem::path& file, int error_number);
Error too_large(const std::filesystem::path& file, std::size_t max_bytes);

// Renames the written `temp` over `file` in one step (POSIX: rename, mode 0644 for the
// exporter's account; Windows: MoveFileExW with MOVEFILE_REPLACE_EXISTING). On failure `temp`
// is removed and `file` is left as it was; the error names `file`.
[[nodiscard]] Status replace_file(const std::filesystem::path& temp,
                                  const std::filesystem::path& file, FileAccess access);

// Creates (or truncates) `temp` empty, with the mode of `access` from the start (POSIX), so
// that an owner_only file is never readable by others, not even while it is written.
[[nodiscard]] Status create_temporary(const std::filesystem::path& temp, FileAccess access);

}  // namespace credwatch::platform::detail
