#pragma once
#include <filesystem>
#include <string>

namespace credwatch::test {

// A fresh folder under the system temporary directory, removed with its contents at scope end.
class TempDir {
  public:
    explicit TempDir(const std::string& prefix = "credwatch-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::filesystem::path& p) const { return path_ / p; }

  private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, std::string_view content);
std::string read_file(const std::filesystem::path& path);

}  // namespace credwatch::test
