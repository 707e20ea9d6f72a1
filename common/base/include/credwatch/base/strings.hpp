#pragma once
// Small string helpers used across the layers.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch {

// The parts with `separator` between them: join({"a", "b"}, ", ") is "a, b".
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string join(std::span<const std::string_view> parts, std::string_view separator);

// The parts between `separator`s, empty ones included, except that an empty text has no parts
// and a separator at the very end adds no empty last part: split("a,,b", ',') is {"a", "", "b"},
// split("", ',') is {}. The inverse of join for parts without the separator (and a non-empty
// last part).
std::vector<std::string> split(std::string_view text, char separator);

// `text` without leading and trailing characters of `blanks`.
std::string_view trim(std::string_view text, std::string_view blanks = " \t\r\n");

// `text` with what could fool a reader made visible, for logs, the system log, mail and the
// terminal: control characters (C0, DEL, C1), line and paragraph separators and the
// bidirectional overrides become \xNN or \uNNNN, bytes that are not UTF-8 become \xNN. Other
// text (Japanese, backslashes of Windows paths) is kept as it is.
std::string escape_for_display(std::string_view text);

// At most `max_bytes` (at least 3) of UTF-8 `text`: when longer, cut on a character boundary and
// ended with "…".
std::string truncate_utf8(std::string text, std::size_t max_bytes);

// The path as UTF-8, the same on POSIX and Windows (Japanese folder names round-trip).
std::string path_to_utf8(const std::filesystem::path& path);

}  // namespace credwatch
