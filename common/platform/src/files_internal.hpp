#pragma once
// What write_file_atomically (src/files.cpp) asks of each platform.

#include "credwatch/base/error.hpp"

#include <filesystem>

namespace credwatch::platform::detail {

// Renames the written `temp` over `file` in one step (POSIX: rename, mode 0644 for the
// exporter's account; Windows: MoveFileExW with MOVEFILE_REPLACE_EXISTING). On failure `temp`
// is removed and `file` is left as it was; the error names `file`.
[[nodiscard]] Status replace_file(const std::filesystem::path& temp,
                                  const std::filesystem::path& file);

}  // namespace credwatch::platform::detail
