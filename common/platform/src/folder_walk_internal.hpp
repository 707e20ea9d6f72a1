#pragma once
// What the two walks (posix/folder_walk.cpp, windows/folder_walk.cpp) record alike: the files
// found, the failures, and the limits of credwatch/platform/folder_walk.hpp. Each platform's
// Walker derives from WalkRecorder and keeps only its listing of a folder.

#include "credwatch/platform/folder_walk.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credwatch::platform::detail {

class WalkRecorder {
  public:
    WalkRecorder(const std::function<bool(std::string_view)>& wanted_name,
                 std::vector<WalkedFile>& files, std::vector<WalkFailure>& failures,
                 const WalkLimits& limits, std::string root);

  protected:
    // Whether a regular file of this name is one the caller wants.
    bool wanted(std::string_view name) const { return wanted_name_(name); }
    void add(WalkedFile file) { files_.push_back(std::move(file)); }

    // A folder that cannot be listed (or not wholly): WalkFailure::Kind::unreadable.
    void fail(const std::string& location, std::string message);
    // An entry left alone: "<location>: skipped: <what>", WalkFailure::Kind::skipped.
    void skip(const std::string& location, std::string_view what);
    // Counts one more entry listed in `folder`: false (the walk stops, recorded once) when that
    // is more than limits.max_entries.
    [[nodiscard]] bool count_entry(const std::string& folder);
    // Whether the subfolder at `location`, in a folder `depth` deep, lies deeper than
    // limits.max_depth: then it is recorded, and the caller does not enter it.
    [[nodiscard]] bool too_deep(const std::string& location, std::size_t depth);
    // Once the entry limit was reached, nothing more is listed.
    bool stopped() const { return stopped_; }

  private:
    const std::function<bool(std::string_view)>& wanted_name_;
    std::vector<WalkedFile>& files_;
    std::vector<WalkFailure>& failures_;
    const WalkLimits& limits_;
    const std::string root_;
    std::size_t entries_ = 0;
    bool stopped_ = false;
};

}  // namespace credwatch::platform::detail
