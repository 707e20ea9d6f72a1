// platform/files.hpp: bounded whole-file reads and atomic replacement, on a real folder.

#include "credwatch/platform/files.hpp"
#include "credwatch/platform/folder_walk.hpp"
#include "credwatch/platform/platform.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace credwatch {
namespace {

void write(const std::filesystem::path& file, const std::string& content) {
    std::ofstream out(file, std::ios::binary);
    out << content;
}

TEST(Files, ReadsTheWholeFileUpToTheLimit) {
    test::TempDir dir;
    const auto file = dir.path() / "a.pem";
    const std::string bytes = std::string(1000, 'x') + std::string("\r\n\0end", 6);
    write(file, bytes);
    auto content = platform::read_file(file, bytes.size());
    ASSERT_TRUE(content) << content.error().message;
    EXPECT_EQ(*content, bytes);
}

TEST(Files, RefusesAFileBeyondTheLimitAndNamesIt) {
    test::TempDir dir;
    const auto file = dir.path() / "big.der";
    write(file, std::string(100, 'x'));
    auto content = platform::read_file(file, 99);
    ASSERT_FALSE(content);
    EXPECT_EQ(content.error().code, Errc::invalid_argument);
    EXPECT_NE(content.error().message.find("big.der"), std::string::npos);
    EXPECT_NE(content.error().message.find("99"), std::string::npos);
}

TEST(Files, MissingFileIsNotFoundAndAFolderIsAnIoError) {
    test::TempDir dir;
    auto missing = platform::read_file(dir.path() / "none.pem", 100);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("none.pem: cannot read"), std::string::npos);
    auto folder = platform::read_file(dir.path(), 100);
    ASSERT_FALSE(folder);
    EXPECT_EQ(folder.error().code, Errc::io_error);
}

TEST(Files, WriteFileAtomicallyReplacesTheContentAndLeavesNoTemporary) {
    test::TempDir dir;
    const auto file = dir.path() / "credwatch.prom";
    write(file, "old\n");
    ASSERT_TRUE(platform::write_file_atomically(file, "new\n"));
    auto content = platform::read_file(file, 100);
    ASSERT_TRUE(content);
    EXPECT_EQ(*content, "new\n");
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "credwatch.prom.tmp"));
    // Readable by the exporter's account (node_exporter, windows_exporter).
    const auto perms = std::filesystem::status(file).permissions();
    EXPECT_NE(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
}

TEST(Files, WriteFileAtomicallyIntoAMissingFolderFailsNamingIt) {
    test::TempDir dir;
    auto written = platform::write_file_atomically(dir.path() / "missing" / "x.prom", "x");
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, Errc::io_error);
    EXPECT_NE(written.error().message.find("x.prom.tmp"), std::string::npos);
}

bool is_pem_name(std::string_view name) {
    return name.ends_with(".pem");
}

TEST(FolderWalk, VisitsSubfoldersInNameOrderAndKeepsOnlyWantedNames) {
    test::TempDir dir;
    std::filesystem::create_directories(dir / "a" / "c");
    std::filesystem::create_directories(dir / "b");
    write(dir / "top.pem", "12345");
    write(dir / "notes.txt", "x");
    write(dir / "b" / "x.pem", "x");
    write(dir / "a" / "y.pem", "x");
    write(dir / "a" / "skip.txt", "x");
    write(dir / "a" / "c" / "z.pem", "x");
    std::vector<std::string> names_asked;
    const auto wanted = [&](std::string_view name) {
        names_asked.emplace_back(name);
        return is_pem_name(name);
    };
    std::vector<platform::WalkedFile> files;
    std::vector<platform::WalkFailure> failures;
    platform::walk_folder(platform::to_utf8(dir.path()), wanted, files, failures);

    EXPECT_TRUE(failures.empty());
    // Depth-first: a folder's files, then its subfolders in name order.
    const std::vector<std::filesystem::path> expected{
        dir / "top.pem", dir / "a" / "y.pem", dir / "a" / "c" / "z.pem", dir / "b" / "x.pem"};
    ASSERT_EQ(files.size(), expected.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(platform::from_utf8(files[i].location), expected[i]) << files[i].location;
        EXPECT_TRUE(files[i].stamp.exists) << files[i].location;
        EXPECT_FALSE(files[i].stamp_error) << files[i].location;
    }
    EXPECT_EQ(files[0].stamp.size, 5u);
    // The rule decides on names, never on paths, and only for files.
    for (const auto& name : names_asked) {
        EXPECT_EQ(name.find_first_of("/\\"), std::string::npos) << name;
    }
    EXPECT_NE(std::find(names_asked.begin(), names_asked.end(), "notes.txt"), names_asked.end());

    std::error_code ec;
    const platform::FileStamp stamp = platform::stamp_of(dir / "top.pem", ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(stamp, files[0].stamp);
}

TEST(FolderWalk, AMissingFolderIsOneFailureNamingIt) {
    test::TempDir dir;
    const std::string root = platform::to_utf8(dir / "gone");
    std::vector<platform::WalkedFile> files;
    std::vector<platform::WalkFailure> failures;
    platform::walk_folder(root, is_pem_name, files, failures);
    EXPECT_TRUE(files.empty());
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].location, root);
    EXPECT_EQ(failures[0].message.rfind(root + ": cannot list the folder: ", 0), 0u)
        << failures[0].message;

    std::error_code ec;
    EXPECT_FALSE(platform::stamp_of(dir / "gone.pem", ec).exists);
    EXPECT_FALSE(ec) << "a missing file is no error";
}

// Links below the folder given are never followed: each is a "skipped" record, whatever it
// points to (a folder, a loop, nothing).
TEST(FolderWalk, FollowsNoSymlinkAndRecordsEachAsSkipped) {
    test::TempDir dir;
    std::filesystem::create_directories(dir / "a");
    write(dir / "a" / "x.pem", "x");
    std::error_code ec;
    std::filesystem::create_directory_symlink(dir / "a", dir / "a" / "loop", ec);
    if (!ec) std::filesystem::create_directory_symlink(dir / "a", dir / "b", ec);
    if (!ec) std::filesystem::create_symlink(dir / "nothing.pem", dir / "dangling.pem", ec);
    if (ec) GTEST_SKIP() << "cannot make symlinks here: " << ec.message();

    std::vector<platform::WalkedFile> files;
    std::vector<platform::WalkFailure> failures;
    platform::walk_folder(platform::to_utf8(dir.path()), is_pem_name, files, failures);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(platform::from_utf8(files[0].location), dir / "a" / "x.pem");
    EXPECT_TRUE(files[0].stamp.exists);
    std::vector<std::filesystem::path> skipped;
    for (const auto& f : failures) {
        EXPECT_EQ(f.kind, platform::WalkFailure::Kind::skipped) << f.message;
        EXPECT_NE(f.message.find("skipped: a symbolic link"), std::string::npos) << f.message;
        skipped.push_back(platform::from_utf8(f.location));
    }
    std::sort(skipped.begin(), skipped.end());
    EXPECT_EQ(skipped, (std::vector<std::filesystem::path>{dir / "a" / "loop", dir / "b",
                                                           dir / "dangling.pem"}));
}

TEST(Platform, MachineNameIsOneLineOfText) {
    const std::string name = platform::machine_name();
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_of("\r\n"), std::string::npos) << name;
}

}  // namespace
}  // namespace credwatch
