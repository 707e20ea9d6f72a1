// The bookkeeping both walks share; the listing is each platform's (posix/folder_walk.cpp,
// windows/folder_walk.cpp).

#include "folder_walk_internal.hpp"

#include <fmt/format.h>

#include <utility>

namespace credwatch::platform::detail {

WalkRecorder::WalkRecorder(const std::function<bool(std::string_view)>& wanted_name,
                           std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures,
                           const WalkLimits& limits, std::string root)
    : wanted_name_(wanted_name),
      files_(files),
      failures_(failures),
      limits_(limits),
      root_(std::move(root)) {}

void WalkRecorder::fail(const std::string& location, std::string message) {
    failures_.push_back({location, std::move(message), WalkFailure::Kind::unreadable});
}

void WalkRecorder::skip(const std::string& location, std::string_view what) {
    failures_.push_back(
        {location, fmt::format("{}: skipped: {}", location, what), WalkFailure::Kind::skipped});
}

bool WalkRecorder::count_entry(const std::string& folder) {
    if (++entries_ <= limits_.max_entries) return true;
    if (stopped_) return false;
    stopped_ = true;
    failures_.push_back({folder,
                         fmt::format("{}: scan stopped: more than {} entries below {}; the "
                                     "rest is not scanned",
                                     folder, limits_.max_entries, root_),
                         WalkFailure::Kind::limit});
    return false;
}

bool WalkRecorder::too_deep(const std::string& location, std::size_t depth) {
    if (depth + 1 <= limits_.max_depth) return false;
    failures_.push_back({location,
                         fmt::format("{}: skipped: more than {} folders below {}; not scanned",
                                     location, limits_.max_depth, root_),
                         WalkFailure::Kind::limit});
    return true;
}

}  // namespace credwatch::platform::detail
