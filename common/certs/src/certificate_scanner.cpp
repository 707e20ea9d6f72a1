// CertificateScanner: walks files and folders for certificate files and remembers, per file,
// its size and modification time (and those of the sibling .pass for PKCS#12), so that a rescan
// of unchanged files answers from memory instead of parsing again.
//
// Cost of a rescan, per file: one directory entry, one stat, one step of a merge between the
// sorted file list and the sorted cache, and the copy of the results. The walk and the stamps
// are platform::walk_folder and platform::stamp_of (POSIX: readdir and fstatat, no
// std::filesystem::path per entry). The walk follows no link below a folder given; what it
// leaves alone (links, FIFOs, devices, limits) comes back as Errc::skipped records.

#include "credwatch/certs/certificate.hpp"

#include "certificate_internal.hpp"
#include "credwatch/platform/folder_walk.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace credwatch {

namespace fs = std::filesystem;

namespace {

using platform::FileStamp;
using platform::Links;
using platform::WalkedFile;

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

}  // namespace

struct CertificateScanner::Cache {
    struct Entry {
        std::string location;
        FileStamp file;
        FileStamp pass;  // the sibling .pass file; compared only when pkcs12
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

    std::vector<WalkedFile> files;
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
            std::vector<platform::WalkFailure> folder_failures;
            platform::walk_folder(location, detail::has_certificate_extension, files,
                                  folder_failures);
            for (auto& failure : folder_failures) {
                // Links, FIFOs, devices and limits are records, not errors of the scan.
                const Errc code = failure.kind == platform::WalkFailure::Kind::unreadable
                                      ? Errc::io_error
                                      : Errc::skipped;
                walk_failures.push_back(
                    {std::move(failure.location), code, std::move(failure.message)});
            }
        } else {
            WalkedFile file{location, {}, {}, true};  // named explicitly: any extension
            file.stamp = platform::stamp_of(path, file.stamp_error);
            files.push_back(std::move(file));
        }
    }
    for (auto& failure : walk_failures) fail(std::move(failure));
    walk_failures = {};
    // Sorted, and one visit per file even when reached twice (a folder and a file in it given).
    std::sort(files.begin(), files.end(),
              [](const WalkedFile& a, const WalkedFile& b) { return a.location < b.location; });
    files.erase(std::unique(files.begin(), files.end(),
                            [](const WalkedFile& a, const WalkedFile& b) {
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
            if (!old->pkcs12 || (platform::stamp_of(pass_path_of(file.location), pass_ec,
                                                    Links::refuse) == old->pass &&
                                 !pass_ec)) {
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
        if (keep && pkcs12_name)
            entry.pass = platform::stamp_of(pass_path_of(entry.location), pass_ec, Links::refuse);
        // A file found by the walk was a regular file then; if it is a link now, it is refused.
        auto outcome = detail::read_certificate_file_detailed(
            path_of(entry.location), file.named ? Links::follow : Links::refuse);
        ++counts.files_parsed;
        entry.pkcs12 = outcome.pkcs12;
        if (keep && entry.pkcs12 && !pkcs12_name) {
            entry.pass = platform::stamp_of(pass_path_of(entry.location), pass_ec, Links::refuse);
        }
        entry.result = std::move(outcome.result);
        // An unreadable file is tried again next time: a permission change may not touch mtime.
        const bool cacheable = keep && !file.stamp_error && file.stamp.exists &&
                               (entry.result || (entry.result.error().code != Errc::io_error &&
                                                 entry.result.error().code != Errc::not_found &&
                                                 entry.result.error().code != Errc::skipped));
        report(entry, cacheable);
        if (cacheable) next.push_back(std::move(entry));
    }
    cache_->entries = std::move(next);
    return counts;
}

}  // namespace credwatch
