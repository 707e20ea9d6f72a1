// The POSIX walk opens each subfolder relative to its parent with O_NOFOLLOW | O_DIRECTORY and
// examines entries with fstatat(AT_SYMLINK_NOFOLLOW): a link planted in a scanned folder is
// never followed, so neither "/" nor a loop can be reached through one. No path lookup from the
// root per file, no std::filesystem::path per entry.

#include "credwatch/platform/folder_walk.hpp"

#include "file_kind.hpp"
#include "folder_walk_internal.hpp"

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
FileStamp stamp_at(int folder_fd, const char* name, int flags, std::error_code& ec) {
    ec.clear();
    struct stat st {};
    if (::fstatat(folder_fd, name, &st, flags) != 0) {
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

class Walker : detail::WalkRecorder {
  public:
    using WalkRecorder::WalkRecorder;

    // `fd` is an open folder (owned from here on); `folder` its UTF-8 path.
    void walk(int fd, const std::string& folder, std::size_t depth) {
        DirPtr dir(::fdopendir(fd));
        if (!dir) {
            const std::error_code ec(errno, std::generic_category());
            ::close(fd);
            fail(folder, fmt::format("{}: cannot list the folder: {}", folder, ec.message()));
            return;
        }
        struct stat self {};
        if (::fstat(fd, &self) == 0 && !visited_
                                            .emplace(static_cast<std::uint64_t>(self.st_dev),
                                                     static_cast<std::uint64_t>(self.st_ino))
                                            .second) {
            spdlog::debug("{}: already scanned through another route (a bind mount?)", folder);
            return;
        }
        const std::string prefix = folder.ends_with('/') ? folder : folder + '/';
        std::vector<std::string> subfolders;
        for (;;) {
            errno = 0;
            const dirent* entry = ::readdir(dir.get());
            if (entry == nullptr) {
                if (errno != 0) {
                    const std::error_code ec(errno, std::generic_category());
                    fail(folder,
                         fmt::format("{}: cannot list the whole folder: {}", folder, ec.message()));
                }
                break;
            }
            const std::string_view name = entry->d_name;
            if (name == "." || name == "..") continue;
            if (!count_entry(folder)) return;
            unsigned char type = entry->d_type;
            struct stat st {};
            bool have_stat = false;
            if (type == DT_UNKNOWN) {
                if (::fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
                have_stat = true;
                type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
            }
            if (type == DT_DIR) {
                subfolders.emplace_back(name);
            } else if (type == DT_REG) {
                if (!wanted(name)) continue;
                WalkedFile file{prefix + entry->d_name, {}, {}};
                file.stamp =
                    have_stat ? stamp_from(st)
                              : stamp_at(fd, entry->d_name, AT_SYMLINK_NOFOLLOW, file.stamp_error);
                add(std::move(file));
            } else {
                if (!have_stat && ::fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                    continue;  // gone meanwhile
                skip(prefix + entry->d_name, detail::kind_of(st.st_mode));
            }
        }
        std::sort(subfolders.begin(), subfolders.end());
        for (const auto& name : subfolders) {
            if (stopped()) return;
            const std::string location = prefix + name;
            if (too_deep(location, depth)) continue;
            // O_NOFOLLOW: a folder replaced by a link since it was listed is not entered.
            const int sub = ::openat(fd, name.c_str(),
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
            if (sub < 0) {
                const int err = errno;
                if (err == ENOENT) continue;  // removed meanwhile
                if (err == ELOOP || err == ENOTDIR) {
                    skip(location, "no longer a folder (a link or a file now)");
                    continue;
                }
                fail(location, fmt::format("{}: cannot list the folder: {}", location,
                                           std::generic_category().message(err)));
                continue;
            }
            walk(sub, location, depth + 1);
        }
    }

  private:
    std::set<std::pair<std::uint64_t, std::uint64_t>> visited_;
};

}  // namespace

FileStamp stamp_of(const std::filesystem::path& file, std::error_code& ec, Links links) {
    return stamp_at(AT_FDCWD, file.c_str(), links == Links::follow ? 0 : AT_SYMLINK_NOFOLLOW, ec);
}

void walk_folder(const std::string& root, const std::function<bool(std::string_view)>& wanted_name,
                 std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures,
                 const WalkLimits& limits) {
    // The folder given may itself be a link (an administrator's choice); nothing below it is.
    const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const std::error_code ec(errno, std::generic_category());
        failures.push_back({root, fmt::format("{}: cannot list the folder: {}", root, ec.message()),
                            WalkFailure::Kind::unreadable});
        return;
    }
    Walker(wanted_name, files, failures, limits, root).walk(fd, root, 0);
}

}  // namespace credwatch::platform
