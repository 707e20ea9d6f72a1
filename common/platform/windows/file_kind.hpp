#pragma once
// What an opened file is, decided on its handle: for read_regular_file (windows/files.cpp) and
// read_secret_file (windows/secret_file.cpp), which word their own refusals.

#include <windows.h>

namespace credwatch::platform::detail {

enum class HandleKind {
    regular,
    device,      // GetFileType is not FILE_TYPE_DISK, or FILE_ATTRIBUTE_DEVICE
    link,        // FILE_ATTRIBUTE_REPARSE_POINT: a symbolic link or junction opened itself
    folder,      // FILE_ATTRIBUTE_DIRECTORY
    unexamined,  // GetFileInformationByHandle failed: GetLastError() tells why
};

// `info` is filled in for every kind but unexamined and a device told by GetFileType.
inline HandleKind handle_kind(HANDLE h, BY_HANDLE_FILE_INFORMATION& info) {
    if (::GetFileType(h) != FILE_TYPE_DISK) return HandleKind::device;
    if (!::GetFileInformationByHandle(h, &info)) return HandleKind::unexamined;
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) return HandleKind::link;
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) return HandleKind::folder;
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_DEVICE) != 0) return HandleKind::device;
    return HandleKind::regular;
}

}  // namespace credwatch::platform::detail
