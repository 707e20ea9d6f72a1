// platform/files.hpp: bounded whole-file reads and atomic replacement, on a real folder.

#include "credwatch/platform/files.hpp"
#include "credwatch/platform/platform.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

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

TEST(Platform, MachineNameIsOneLineOfText) {
    const std::string name = platform::machine_name();
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_of("\r\n"), std::string::npos) << name;
}

}  // namespace
}  // namespace credwatch
