#pragma once
// What a credential id, a label and a document path may contain. Ids are typed on command
// lines and appear in logs, mail and file names; labels are shown to people; a document path
// is read by the service, which runs as root / LocalSystem. Every request and the site file
// check them here; the messages name the input (`what`) and the reason.

#include "credwatch/base/error.hpp"

#include <cstddef>
#include <string_view>

namespace credwatch {

inline constexpr std::size_t kMaxCredentialIdBytes = 128;
inline constexpr std::size_t kMaxLabelBytes = 256;
inline constexpr std::size_t kMaxDocumentPathBytes = 1024;

// Not empty, at most kMaxCredentialIdBytes, only ASCII letters, digits and - _ . / @ +
// (no space, no control character, nothing a shell would interpret).
// `what` is e.g. `parameter "credential"` or `field "id"`.
[[nodiscard]] Status check_credential_id(std::string_view id, std::string_view what);

// A label, note or owner name: well-formed UTF-8, at most kMaxLabelBytes, no control
// characters (C0, DEL, C1), line separators or bidirectional overrides. May be empty.
[[nodiscard]] Status check_label(std::string_view text, std::string_view what);

// A path on this machine's own disks, by its syntax only: absolute ("/..." or "C:\..."), not a
// network path (\\server\share, //host/share), not a device or namespace path (\\.\, \\?\,
// \??\), no control characters, at most kMaxDocumentPathBytes. The file itself (a symbolic
// link?) is the service's to check.
[[nodiscard]] Status check_local_path(std::string_view path, std::string_view what);

}  // namespace credwatch
