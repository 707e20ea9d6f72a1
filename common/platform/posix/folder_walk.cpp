// The POSIX walk uses opendir/readdir and fstatat relative to the open folder: no path lookup
// from the root per file, no std::filesystem::path per entry.

#include "credwatch/platform/folder_walk.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <set>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace credwatch::platform {

namespace {

FileStamp stamp_from(const struct stat& st) {
    FileStamp stamp;
    stamp.exists = true;
    stamp.size = static_cast<std::uint64_t>(st.st_size);
#if defined(__APPLE__)
    stamp.mtime =
        static_cast<std::int64_t>(st.st_mtimespec.tv_sec) * 1'000'000'000 + st.st_mtimespec.tv_nsec;
    stamp.ctime =
        static_cast<std::int64_t>(st.st_ctimespec.tv_sec) * 1'000'000'000 + st.st_ctimespec.tv_nsec;
#else
    stamp.mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    stamp.ctime = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
#endif
    stamp.inode = static_cast<std::uint64_t>(st.st_ino);
    return stamp;
}

// ENOENT (and ENOTDIR) give a FileStamp with exists == false and no error.
FileStamp stamp_at(int folder_fd, const char* name, std::error_code& ec) {
    ec.clear();
    struct stat st {};
    if (::fstatat(folder_fd, name, &st, 0) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            ec = std::error_code(errno, std::generic_category());
        return {};
    }
    return stamp_from(st);
}

struct DirCloser {
    void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

}  // namespace

FileStamp stamp_of(const std::filesystem::path& file, std::error_code& ec) {
    return stamp_at(AT_FDCWD, file.c_str(), ec);
}

// Depth-first walk: subfolders in name order (so that which of two routes to one folder through
// a symlink wins does not depend on the listing order), each real folder (device, inode) once
// (symlink loops end there), every folder that cannot be listed a failure record.
void walk_folder(const std::string& root, const std::function<bool(std::string_view)>& wanted_name,
                 std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures) {
    std::set<std::pair<std::uint64_t, std::uint64_t>> visited;
    std::vector<std::string> stack{root};
    std::vector<std::string> subfolders;
    while (!stack.empty()) {
        const std::string folder = std::move(stack.back());
        stack.pop_back();

        const DirPtr dir(::opendir(folder.c_str()));
        if (!dir) {
            const std::error_code ec(errno, std::generic_category());
            failures.push_back(
                {folder, fmt::format("{}: cannot list the folder: {}", folder, ec.message())});
            continue;
        }
        const int fd = ::dirfd(dir.get());
        struct stat self {};
        if (::fstat(fd, &self) == 0 && !visited
                                            .emplace(static_cast<std::uint64_t>(self.st_dev),
                                                     static_cast<std::uint64_t>(self.st_ino))
                                            .second) {
            spdlog::debug("{}: already scanned through another route (symlink loop?)", folder);
            continue;
        }
        const std::string prefix = folder.ends_with('/') ? folder : folder + '/';
        subfolders.clear();
        for (;;) {
            errno = 0;
            const dirent* entry = ::readdir(dir.get());
            if (entry == nullptr) {
                if (errno != 0) {
                    const std::error_code ec(errno, std::generic_category());
                    failures.push_back({folder, fmt::format("{}: cannot list the whole folder: {}",
                                                            folder, ec.message())});
                }
                break;
            }
            const std::string_view name = entry->d_name;
            if (name == "." || name == "..") continue;
            bool is_folder = entry->d_type == DT_DIR;
            const bool wanted = wanted_name(name);
            if (entry->d_type == DT_LNK || entry->d_type == DT_UNKNOWN) {
                struct stat st {};
                if (::fstatat(fd, entry->d_name, &st, 0) != 0) {
                    // A dangling link named like a wanted file (a certificate, for the
                    // scanner): the caller reports it when it reads it.
                    if (wanted) files.push_back({prefix + entry->d_name, FileStamp{}, {}});
                    continue;
                }
                is_folder = S_ISDIR(st.st_mode);
                if (!is_folder && wanted && S_ISREG(st.st_mode)) {
                    files.push_back({prefix + entry->d_name, stamp_from(st), {}});
                }
            } else if (entry->d_type == DT_REG && wanted) {
                WalkedFile file{prefix + entry->d_name, {}, {}};
                file.stamp = stamp_at(fd, entry->d_name, file.stamp_error);
                files.push_back(std::move(file));
            }
            if (is_folder) subfolders.push_back(prefix + entry->d_name);
        }
        std::sort(subfolders.begin(), subfolders.end());
        for (auto sub = subfolders.rbegin(); sub != subfolders.rend(); ++sub) {
            stack.push_back(std::move(*sub));
        }
    }
}

}  // namespace credwatch::platform
