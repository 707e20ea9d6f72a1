#pragma once
// A secret the service needs (the SMTP password) kept in a file of its own, outside the
// database and the site configuration, and never logged.
//  - Linux: plain text, refused when the group or others may read it (mode must be 0600 or
//    0400); a trailing line break is removed.
//  - Windows: a DPAPI blob (CryptProtectData, machine scope) in a file whose ACL lets only
//    SYSTEM and Administrators read it; `credwatch protect-password FILE` writes it.

#include "credwatch/base/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace credwatch {

// Errc::not_found (missing), permission_denied (readable by others, or not readable by this
// account), parse_error (Windows: not a DPAPI blob of this machine). Messages name the file.
[[nodiscard]] Result<std::string> read_secret_file(const std::filesystem::path& file);

// Creates or replaces `file` holding `secret`: POSIX mode 0600 (created so, never briefly
// wider); Windows: DPAPI machine scope, protected DACL (SYSTEM and Administrators only).
[[nodiscard]] Status write_secret_file(const std::filesystem::path& file, std::string_view secret);

}  // namespace credwatch
