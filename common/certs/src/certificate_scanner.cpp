// CertificateScanner: walks files and folders for certificate files and remembers, per file,
// its size and modification time (and those of the sibling .pass for PKCS#12), so that a rescan
// of unchanged files answers from memory instead of parsing again.
//
// Cost of a rescan, per file: one directory entry, one stat, one step of a merge between the
// sorted file list and the sorted cache, and the copy of the results. On POSIX the walk uses
// opendir/readdir and fstatat relative to the open folder (no path lookup from the root per
// file, no std::filesystem::path per entry); on Windows it uses std::filesystem.

#include "credwatch/certs/certificate.hpp"

#include "certificate_internal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#ifndef _WIN32
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#else
#include <unordered_set>
#endif

namespace credwatch {

namespace fs = std::filesystem;

namespace {

// What identifies an unchanged file. On POSIX one stat() gives all of it; the inode and ctime
// also catch a file replaced by rename, or whose permissions changed.
struct Stamp {
    bool exists = false;
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
    std::int64_t ctime = 0;
    std::uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
};

struct Candidate {
    std::string location;  // UTF-8 path
    Stamp stamp;
    std::error_code stamp_error;  // stat failed for another reason than "no such file"
};

std::string location_of(const fs::path& path) {
    return detail::path_to_utf8(path);
}

fs::path path_of(std::string_view location) {
    return fs::path(
        std::u8string(reinterpret_cast<const char8_t*>(location.data()), location.size()));
}

// "client.P12", "x.pfx": the names whose .pass file is worth a stat before reading.
bool is_pkcs12_name(std::string_view location) {
    if (location.size() < 4 || location[location.size() - 4] != '.') return false;
    std::string ext(location.substr(location.size() - 3));
    for (auto& c : ext) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return ext == "p12" || ext == "pfx";
}

#ifndef _WIN32

Stamp stamp_from(const struct stat& st) {
    Stamp stamp;
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

// ENOENT (and ENOTDIR) give a Stamp with exists == false and no error.
Stamp stamp_at(int folder_fd, const char* name, std::error_code& ec) {
    ec.clear();
    struct stat st {};
    if (::fstatat(folder_fd, name, &st, 0) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            ec = std::error_code(errno, std::generic_category());
        return {};
    }
    return stamp_from(st);
}

Stamp stamp_of(const fs::path& path, std::error_code& ec) {
    return stamp_at(AT_FDCWD, path.c_str(), ec);
}

struct DirCloser {
    void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

// Depth-first walk: subfolders in name order (so that which of two routes to one folder through
// a symlink wins does not depend on the listing order), each real folder (device, inode) once
// (symlink loops end there), every folder that cannot be listed a failure record.
void walk_folder(const std::string& root, std::vector<Candidate>& files,
                 std::vector<ScanFailure>& failures) {
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
                {folder, Errc::io_error,
                 fmt::format("{}: cannot list the folder: {}", folder, ec.message())});
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
                    failures.push_back({folder, Errc::io_error,
                                        fmt::format("{}: cannot list the whole folder: {}", folder,
                                                    ec.message())});
                }
                break;
            }
            const std::string_view name = entry->d_name;
            if (name == "." || name == "..") continue;
            bool is_folder = entry->d_type == DT_DIR;
            const bool wanted = detail::has_certificate_extension(name);
            if (entry->d_type == DT_LNK || entry->d_type == DT_UNKNOWN) {
                struct stat st {};
                if (::fstatat(fd, entry->d_name, &st, 0) != 0) {
                    // A dangling link named like a certificate: reported when read.
                    if (wanted) files.push_back({prefix + entry->d_name, Stamp{}, {}});
                    continue;
                }
                is_folder = S_ISDIR(st.st_mode);
                if (!is_folder && wanted && S_ISREG(st.st_mode)) {
                    files.push_back({prefix + entry->d_name, stamp_from(st), {}});
                }
            } else if (entry->d_type == DT_REG && wanted) {
                Candidate candidate{prefix + entry->d_name, {}, {}};
                candidate.stamp = stamp_at(fd, entry->d_name, candidate.stamp_error);
                files.push_back(std::move(candidate));
            }
            if (is_folder) subfolders.push_back(prefix + entry->d_name);
        }
        std::sort(subfolders.begin(), subfolders.end());
        for (auto sub = subfolders.rbegin(); sub != subfolders.rend(); ++sub) {
            stack.push_back(std::move(*sub));
        }
    }
}

#else  // _WIN32

Stamp stamp_of(const fs::path& path, std::error_code& ec) {
    ec.clear();
    Stamp stamp;
    const auto status = fs::status(path, ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) ec.clear();
        return stamp;
    }
    if (!fs::exists(status)) return stamp;
    stamp.exists = true;
    stamp.size = fs::is_regular_file(status) ? fs::file_size(path, ec) : 0;
    if (ec) return stamp;
    stamp.mtime =
        static_cast<std::int64_t>(fs::last_write_time(path, ec).time_since_epoch().count());
    return stamp;
}

// As the POSIX walk, with std::filesystem; a folder's identity is its canonical path.
void walk_folder(const std::string& root, std::vector<Candidate>& files,
                 std::vector<ScanFailure>& failures) {
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
            failures.push_back({location_of(folder.path), Errc::io_error,
                                fmt::format("{}: cannot list the folder: {}",
                                            location_of(folder.path), ec.message())});
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
            } else if (is_certificate_extension(entry.path())) {
                Candidate candidate{location_of(entry.path()), {}, {}};
                candidate.stamp = stamp_of(entry.path(), candidate.stamp_error);
                files.push_back(std::move(candidate));
            }
        }
        if (ec) {
            failures.push_back({location_of(folder.path), Errc::io_error,
                                fmt::format("{}: cannot list the whole folder: {}",
                                            location_of(folder.path), ec.message())});
        }
        std::sort(subfolders.begin(), subfolders.end(),
                  [](const Pending& a, const Pending& b) { return a.path < b.path; });
        for (auto sub = subfolders.rbegin(); sub != subfolders.rend(); ++sub) {
            stack.push_back(std::move(*sub));
        }
    }
}

#endif

}  // namespace

struct CertificateScanner::Cache {
    struct Entry {
        std::string location;
        Stamp file;
        Stamp pass;  // the sibling .pass file; compared only when pkcs12
        bool pkcs12 = false;
        Result<std::vector<CertificateInfo>> result{std::vector<CertificateInfo>{}};
    };
    std::mutex mutex;
    std::vector<Entry> entries;  // sorted by location, like the scan's file list
};

CertificateScanner::CertificateScanner(ScanCache cache)
    : cache_(std::make_unique<Cache>()), cache_mode_(cache) {}
CertificateScanner::~CertificateScanner() = default;

ScanResult CertificateScanner::scan(const std::vector<fs::path>& paths, const std::string& owner) {
    ScanResult result;
    const ScanCounts counts = scan(
        paths, owner,
        {.certificate = [&](FoundCertificate&& c) { result.certificates.push_back(std::move(c)); },
         .failure = [&](ScanFailure&& f) { result.failures.push_back(std::move(f)); }});
    result.files_examined = counts.files_examined;
    result.files_parsed = counts.files_parsed;
    // Certificates are in location order already (files were sorted); failures come from the
    // walk and from the files, so sort them.
    std::stable_sort(
        result.failures.begin(), result.failures.end(),
        [](const ScanFailure& a, const ScanFailure& b) { return a.location < b.location; });
    return result;
}

ScanCounts CertificateScanner::scan(const std::vector<fs::path>& paths, const std::string& owner,
                                    const ScanVisitor& visitor) {
    std::lock_guard lock(cache_->mutex);
    ScanCounts counts;
    const bool keep = cache_mode_ == ScanCache::keep;
    const auto fail = [&](ScanFailure&& failure) {
        if (visitor.failure) visitor.failure(std::move(failure));
    };

    std::vector<Candidate> files;
    std::vector<ScanFailure> walk_failures;
    files.reserve(cache_->entries.size() + 16);  // about as many as last time: no regrowth
    for (const auto& path : paths) {
        std::error_code ec;
        const auto status = fs::status(path, ec);
        const std::string location = location_of(path);
        if (ec && ec != std::errc::no_such_file_or_directory) {
            walk_failures.push_back({location, Errc::io_error,
                                     fmt::format("{}: cannot access: {}", location, ec.message())});
        } else if (!fs::exists(status)) {
            walk_failures.push_back(
                {location, Errc::not_found, fmt::format("{}: does not exist", location)});
        } else if (fs::is_directory(status)) {
            walk_folder(location, files, walk_failures);
        } else {
            Candidate candidate{location, {}, {}};  // named explicitly: any extension
            candidate.stamp = stamp_of(path, candidate.stamp_error);
            files.push_back(std::move(candidate));
        }
    }
    for (auto& failure : walk_failures) fail(std::move(failure));
    walk_failures = {};
    // Sorted, and one visit per file even when reached twice (a folder and a file in it given).
    std::sort(files.begin(), files.end(),
              [](const Candidate& a, const Candidate& b) { return a.location < b.location; });
    files.erase(std::unique(files.begin(), files.end(),
                            [](const Candidate& a, const Candidate& b) {
                                return a.location == b.location;
                            }),
                files.end());
    counts.files_examined = files.size();

    // Merge the sorted file list with the sorted cache. Entries for files not in the list
    // (deleted, or no longer under a scanned path) are left behind and so dropped.
    std::vector<Cache::Entry> next;
    if (keep) next.reserve(files.size());
    auto old = cache_->entries.begin();
    const auto old_end = cache_->entries.end();
    // `kept`: the entry stays in the cache, so its certificates are copied, not moved out.
    const auto report = [&](Cache::Entry& entry, bool kept) {
        if (entry.result) {
            if (!visitor.certificate) return;
            for (auto& info : *entry.result) {
                if (kept)
                    visitor.certificate({entry.location, "file", owner, info});
                else
                    visitor.certificate({entry.location, "file", owner, std::move(info)});
            }
        } else {
            fail({entry.location, entry.result.error().code, entry.result.error().message});
        }
    };
    const auto pass_path_of = [](const std::string& location) {
        return detail::password_file_for(path_of(location));
    };
    for (auto& file : files) {
        while (old != old_end && old->location < file.location) ++old;
        if (old != old_end && old->location == file.location && !file.stamp_error &&
            file.stamp.exists && old->file == file.stamp) {
            std::error_code pass_ec;
            if (!old->pkcs12 ||
                (stamp_of(pass_path_of(file.location), pass_ec) == old->pass && !pass_ec)) {
                next.push_back(std::move(*old));
                report(next.back(), true);
                continue;
            }
        }
        Cache::Entry entry;
        entry.location = std::move(file.location);
        entry.file = file.stamp;
        // The .pass file is stamped before reading, so that a change during the read shows at
        // the next scan; a PKCS#12 file under another extension (rare) is stamped after.
        const bool pkcs12_name = is_pkcs12_name(entry.location);
        std::error_code pass_ec;
        if (keep && pkcs12_name) entry.pass = stamp_of(pass_path_of(entry.location), pass_ec);
        auto outcome = detail::read_certificate_file_detailed(path_of(entry.location));
        ++counts.files_parsed;
        entry.pkcs12 = outcome.pkcs12;
        if (keep && entry.pkcs12 && !pkcs12_name) {
            entry.pass = stamp_of(pass_path_of(entry.location), pass_ec);
        }
        entry.result = std::move(outcome.result);
        // An unreadable file is tried again next time: a permission change may not touch mtime.
        const bool cacheable = keep && !file.stamp_error && file.stamp.exists &&
                               (entry.result || (entry.result.error().code != Errc::io_error &&
                                                 entry.result.error().code != Errc::not_found));
        report(entry, cacheable);
        if (cacheable) next.push_back(std::move(entry));
    }
    cache_->entries = std::move(next);
    return counts;
}

}  // namespace credwatch
