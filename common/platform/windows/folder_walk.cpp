// The Windows walk lists each folder with FindFirstFileExW and never enters an entry with
// FILE_ATTRIBUTE_REPARSE_POINT (a symbolic link, a junction, a mount point): such entries are
// skipped with a record, so neither "C:\" nor a loop can be reached through one.

#include "credwatch/platform/folder_walk.hpp"

#include "credwatch/base/strings.hpp"
#include "credwatch/platform/win_util.hpp"
#include "folder_walk_internal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace credwatch::platform {

namespace fs = std::filesystem;

namespace {

fs::path path_of(std::string_view location) {
    return fs::path(
        std::u8string(reinterpret_cast<const char8_t*>(location.data()), location.size()));
}

const char* reparse_kind(DWORD tag) {
    if (tag == IO_REPARSE_TAG_MOUNT_POINT) return "a junction or mount point (not followed)";
    if (tag == IO_REPARSE_TAG_SYMLINK) return "a symbolic link (links are not followed)";
    return "a reparse point (not followed)";
}

struct FindCloser {
    void operator()(HANDLE h) const noexcept { ::FindClose(h); }
};

class Walker : detail::WalkRecorder {
  public:
    using WalkRecorder::WalkRecorder;

    void walk(const fs::path& folder, std::size_t depth) {
        const std::string location = path_to_utf8(folder);
        WIN32_FIND_DATAW data{};
        const std::wstring pattern = (folder / L"*").wstring();
        HANDLE raw = ::FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &data,
                                        FindExSearchNameMatch, nullptr, FIND_FIRST_EX_LARGE_FETCH);
        if (raw == INVALID_HANDLE_VALUE) {
            const DWORD err = ::GetLastError();
            if (err == ERROR_FILE_NOT_FOUND) return;  // empty (a drive root has no "." entry)
            fail(location,
                 fmt::format("{}: cannot list the folder: {}", location, win::error_text(err)));
            return;
        }
        const std::unique_ptr<void, FindCloser> find(raw);
        std::vector<fs::path> subfolders;
        for (;;) {
            const std::wstring_view name = data.cFileName;
            if (name != L"." && name != L"..") {
                if (!count_entry(location)) return;
                const fs::path path = folder / fs::path(std::wstring(name));
                const DWORD attributes = data.dwFileAttributes;
                if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
                    skip(path_to_utf8(path), reparse_kind(data.dwReserved0));
                } else if ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
                    subfolders.push_back(path);
                } else if ((attributes & FILE_ATTRIBUTE_DEVICE) != 0) {
                    skip(path_to_utf8(path), "a device");
                } else if (wanted(win::narrow(name))) {
                    WalkedFile file{path_to_utf8(path), {}, {}};
                    file.stamp = stamp_of(path, file.stamp_error, Links::refuse);
                    add(std::move(file));
                }
            }
            if (!::FindNextFileW(find.get(), &data)) {
                const DWORD err = ::GetLastError();
                if (err != ERROR_NO_MORE_FILES)
                    fail(location, fmt::format("{}: cannot list the whole folder: {}", location,
                                               win::error_text(err)));
                break;
            }
        }
        std::sort(subfolders.begin(), subfolders.end());
        for (const auto& sub : subfolders) {
            if (stopped()) return;
            if (too_deep(path_to_utf8(sub), depth)) continue;
            walk(sub, depth + 1);
        }
    }
};

}  // namespace

FileStamp stamp_of(const fs::path& file, std::error_code& ec, Links links) {
    ec.clear();
    FileStamp stamp;
    const auto status =
        links == Links::follow ? fs::status(file, ec) : fs::symlink_status(file, ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) ec.clear();
        return stamp;
    }
    if (!fs::exists(status)) return stamp;
    stamp.exists = true;
    stamp.size = fs::is_regular_file(status) ? fs::file_size(file, ec) : 0;
    if (ec) return stamp;
    stamp.mtime =
        static_cast<std::int64_t>(fs::last_write_time(file, ec).time_since_epoch().count());
    return stamp;
}

// As the POSIX walk: depth-first, subfolders in name order, nothing below `root` followed.
void walk_folder(const std::string& root, const std::function<bool(std::string_view)>& wanted_name,
                 std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures,
                 const WalkLimits& limits) {
    Walker(wanted_name, files, failures, limits, root).walk(path_of(root), 0);
}

}  // namespace credwatch::platform
