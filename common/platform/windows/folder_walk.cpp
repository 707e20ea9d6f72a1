// The Windows walk uses std::filesystem; a folder's identity is its canonical path.

#include "credwatch/platform/folder_walk.hpp"

#include "credwatch/base/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace credwatch::platform {

namespace fs = std::filesystem;

namespace {

fs::path path_of(std::string_view location) {
    return fs::path(
        std::u8string(reinterpret_cast<const char8_t*>(location.data()), location.size()));
}

}  // namespace

FileStamp stamp_of(const fs::path& file, std::error_code& ec) {
    ec.clear();
    FileStamp stamp;
    const auto status = fs::status(file, ec);
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

// As the POSIX walk: depth-first, subfolders in name order, each real folder once.
void walk_folder(const std::string& root, const std::function<bool(std::string_view)>& wanted_name,
                 std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures) {
    struct Pending {
        fs::path path;
        fs::path real;
    };
    std::error_code ec;
    const fs::path root_path = path_of(root);
    fs::path root_real = fs::canonical(root_path, ec);
    if (ec) root_real = fs::absolute(root_path, ec).lexically_normal();
    std::unordered_set<fs::path::string_type> visited{root_real.native()};
    std::vector<Pending> stack{{root_path, root_real}};
    while (!stack.empty()) {
        Pending folder = std::move(stack.back());
        stack.pop_back();
        fs::directory_iterator it(folder.path, ec);
        if (ec) {
            failures.push_back(
                {path_to_utf8(folder.path), fmt::format("{}: cannot list the folder: {}",
                                                        path_to_utf8(folder.path), ec.message())});
            continue;
        }
        std::vector<Pending> subfolders;
        for (const fs::directory_iterator end; it != end; it.increment(ec)) {
            if (ec) break;
            const fs::directory_entry& entry = *it;
            std::error_code type_ec;
            if (entry.is_directory(type_ec)) {
                fs::path real;
                if (entry.is_symlink(type_ec)) {
                    std::error_code real_ec;
                    real = fs::canonical(entry.path(), real_ec);
                    if (real_ec) continue;
                } else {
                    real = folder.real / entry.path().filename();
                }
                if (!visited.insert(real.native()).second) continue;
                subfolders.push_back({entry.path(), std::move(real)});
            } else if (wanted_name(path_to_utf8(entry.path().filename()))) {
                WalkedFile file{path_to_utf8(entry.path()), {}, {}};
                file.stamp = stamp_of(entry.path(), file.stamp_error);
                files.push_back(std::move(file));
            }
        }
        if (ec) {
            failures.push_back(
                {path_to_utf8(folder.path), fmt::format("{}: cannot list the whole folder: {}",
                                                        path_to_utf8(folder.path), ec.message())});
        }
        std::sort(subfolders.begin(), subfolders.end(),
                  [](const Pending& a, const Pending& b) { return a.path < b.path; });
        for (auto sub = subfolders.rbegin(); sub != subfolders.rend(); ++sub) {
            stack.push_back(std::move(*sub));
        }
    }
}

}  // namespace credwatch::platform
