// The data directory's mode and owner-only files (common/platform/posix/platform.cpp).

#include "credwatch/platform/platform.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <memory>

namespace credwatch {
namespace {

using test::TempDir;

mode_t mode_of(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

// Without its umask the test would see the permissive modes an unrestricted process gets.
struct PermissiveUmask {
    mode_t previous = ::umask(0);
    ~PermissiveUmask() { ::umask(previous); }
};

TEST(DataDirectory, ANewOneIs0711) {
    PermissiveUmask permissive;
    TempDir tmp;
    auto dir = tmp / "a" / "credwatch";
    ASSERT_TRUE(platform::restrict_data_directory(dir));
    EXPECT_EQ(mode_of(dir), 0711u);
}

TEST(DataDirectory, AnExistingOneLosesReadAndWriteOfGroupAndOthers) {
    TempDir tmp;
    auto dir = tmp / "credwatch";
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
    ASSERT_TRUE(platform::restrict_data_directory(dir));
    EXPECT_EQ(mode_of(dir), 0711u);
    ASSERT_EQ(::chmod(dir.c_str(), 0750), 0);
    ASSERT_TRUE(platform::restrict_data_directory(dir));
    EXPECT_EQ(mode_of(dir), 0710u);  // never more than it had
}

TEST(DataDirectory, AFileInItsPlaceIsRefused) {
    TempDir tmp;
    test::write_file(tmp / "credwatch", "x");
    EXPECT_FALSE(platform::restrict_data_directory(tmp / "credwatch"));
}

TEST(OwnerOnlyFiles, CreationUnderTheGuardHasNoGroupOrOtherBits) {
    PermissiveUmask permissive;
    TempDir tmp;
    {
        platform::OwnerOnlyCreation owner_only;
        test::write_file(tmp / "inside", "x");
    }
    test::write_file(tmp / "after", "x");
    EXPECT_EQ(mode_of(tmp / "inside") & 0077, 0u);
    EXPECT_EQ(mode_of(tmp / "after"), 0666u);  // the umask is given back
}

TEST(OwnerOnlyFiles, OverlappingGuardsGiveTheCallersUmaskBackOnlyAtTheEnd) {
    PermissiveUmask permissive;
    TempDir tmp;
    auto first = std::make_unique<platform::OwnerOnlyCreation>();
    auto second = std::make_unique<platform::OwnerOnlyCreation>();  // e.g. another thread
    first.reset();
    test::write_file(tmp / "while-the-second-holds", "x");
    second.reset();
    test::write_file(tmp / "after", "x");
    EXPECT_EQ(mode_of(tmp / "while-the-second-holds") & 0077, 0u);
    EXPECT_EQ(mode_of(tmp / "after"), 0666u);
}

TEST(OwnerOnlyFiles, AnExistingFileIsRestrictedAndAMissingOneIsFine) {
    TempDir tmp;
    test::write_file(tmp / "credwatch.db", "x");
    ASSERT_EQ(::chmod((tmp / "credwatch.db").c_str(), 0644), 0);
    ASSERT_TRUE(platform::restrict_file_to_owner(tmp / "credwatch.db"));
    EXPECT_EQ(mode_of(tmp / "credwatch.db"), 0600u);
    EXPECT_TRUE(platform::restrict_file_to_owner(tmp / "credwatch.db-wal"));
}

TEST(InstanceLock, TheLockFileIsOwnerOnlyEvenWhenAnOlderVersionLeftIt0644) {
    PermissiveUmask permissive;
    TempDir tmp;
    {
        auto lock = platform::InstanceLock::acquire(tmp.path());
        ASSERT_TRUE(lock);
        EXPECT_EQ(mode_of(tmp / "credwatch.lock"), 0600u);
    }
    ASSERT_EQ(::chmod((tmp / "credwatch.lock").c_str(), 0644), 0);
    auto lock = platform::InstanceLock::acquire(tmp.path());
    ASSERT_TRUE(lock);
    EXPECT_EQ(mode_of(tmp / "credwatch.lock"), 0600u);
}

}  // namespace
}  // namespace credwatch
