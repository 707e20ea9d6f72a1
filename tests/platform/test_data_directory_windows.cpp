// The data directory's owner and DACL (common/platform/windows/platform.cpp): the tests read the
// descriptor back. Upstream Wine 8 does not store file security descriptors (it maps them to Unix
// modes and reports the Unix owner; wine-staging keeps them in extended attributes): there the
// tests that need another owner are skipped, saying so.

#include "credwatch/platform/platform.hpp"
#include "credwatch/platform/win_util.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <aclapi.h>
#include <sddl.h>

namespace credwatch {
namespace {

using test::TempDir;

std::wstring read_sddl(const std::filesystem::path& path) {
    PSECURITY_DESCRIPTOR sd = nullptr;
    DWORD rc = ::GetNamedSecurityInfoW(path.c_str(), SE_FILE_OBJECT,
                                       OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                       nullptr, nullptr, nullptr, nullptr, &sd);
    if (rc != ERROR_SUCCESS) return L"GetNamedSecurityInfoW failed " + std::to_wstring(rc);
    win::LocalPtr<void> owned(sd);
    wchar_t* text = nullptr;
    if (!::ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd, SDDL_REVISION_1, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &text,
            nullptr))
        return L"ConvertSecurityDescriptorToStringSecurityDescriptorW failed";
    win::LocalPtr<wchar_t> text_owned(text);
    return text;
}

std::string read_sddl_utf8(const std::filesystem::path& path) {
    return win::narrow(read_sddl(path));
}

// Gives `path` the owner and DACL of `sddl` (what another user could have made).
void set_security(const std::filesystem::path& path, const wchar_t* sddl) {
    PSECURITY_DESCRIPTOR sd = nullptr;
    ASSERT_TRUE(::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd,
                                                                       nullptr));
    win::LocalPtr<void> owned(sd);
    PSID owner = nullptr;
    PACL dacl = nullptr;
    BOOL present = FALSE, defaulted = FALSE;
    ASSERT_TRUE(::GetSecurityDescriptorOwner(sd, &owner, &defaulted));
    ASSERT_TRUE(::GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
    std::wstring name = path.native();
    ASSERT_EQ(::SetNamedSecurityInfoW(name.data(), SE_FILE_OBJECT,
                                      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION |
                                          PROTECTED_DACL_SECURITY_INFORMATION,
                                      owner, nullptr, dacl, nullptr),
              static_cast<DWORD>(ERROR_SUCCESS));
}

// Whether the file system keeps the owner we give a folder (Windows, wine-staging).
bool owners_are_stored() {
    static const bool stored = [] {
        TempDir tmp;
        auto probe = tmp / L"probe";
        std::filesystem::create_directories(probe);
        set_security(probe, L"O:BUD:P(A;OICI;FA;;;BU)");
        return read_sddl_utf8(probe).find("O:BU") != std::string::npos;
    }();
    return stored;
}

#define SKIP_WITHOUT_STORED_OWNERS()                                                        \
    if (!owners_are_stored())                                                               \
    GTEST_SKIP() << "this file system does not keep security descriptors (upstream Wine): " \
                    "owner and DACL cannot be read back; run on Windows or wine-staging"

void expect_restricted(const std::string& sddl) {
    EXPECT_NE(sddl.find("O:BA"), std::string::npos) << sddl;
    EXPECT_NE(sddl.find("D:P"), std::string::npos) << "protected DACL: " << sddl;
    EXPECT_NE(sddl.find(";;;SY)"), std::string::npos) << sddl;
    EXPECT_NE(sddl.find(";;;BA)"), std::string::npos) << sddl;
    EXPECT_NE(sddl.find("OICI"), std::string::npos) << "inherited by children: " << sddl;
    for (const char* other : {";;;BU)", ";;;AU)", ";;;WD)", ";;;IU)"})
        EXPECT_EQ(sddl.find(other), std::string::npos) << other << " has access: " << sddl;
}

TEST(DataDirectory, ANewOneIsCreatedOwnedByAdministratorsWithAProtectedDacl) {
    SKIP_WITHOUT_STORED_OWNERS();
    TempDir tmp;
    auto dir = tmp / L"データ" / L"credwatch";
    ASSERT_TRUE(platform::restrict_data_directory(dir));
    ASSERT_TRUE(std::filesystem::is_directory(dir));
    expect_restricted(read_sddl_utf8(dir));
}

TEST(DataDirectory, OneOwnedByUsersIsTakenOver) {
    SKIP_WITHOUT_STORED_OWNERS();
    TempDir tmp;
    auto dir = tmp / L"credwatch";
    std::filesystem::create_directories(dir);
    set_security(dir, L"O:BUD:P(A;OICI;FA;;;BU)(A;OICI;FA;;;WD)");
    ASSERT_NE(read_sddl_utf8(dir).find("O:BU"), std::string::npos) << read_sddl_utf8(dir);

    auto st = platform::restrict_data_directory(dir);
    ASSERT_TRUE(st) << st.error().message;
    expect_restricted(read_sddl_utf8(dir));
}

TEST(DataDirectory, OneOwnedByEveryoneWithForeignContentIsRefused) {
    SKIP_WITHOUT_STORED_OWNERS();
    TempDir tmp;
    auto dir = tmp / L"credwatch";
    std::filesystem::create_directories(dir);
    test::write_file(dir / L"site.toml", "[email]\nsmtp_host = \"evil.example\"\n");
    set_security(dir / L"site.toml", L"O:WDD:P(A;;FA;;;WD)");
    set_security(dir, L"O:WDD:P(A;OICI;FA;;;WD)");

    auto st = platform::restrict_data_directory(dir);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::permission_denied);
    EXPECT_NE(st.error().message.find("site.toml"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("S-1-1-0"), std::string::npos) << st.error().message;
}

TEST(DataDirectory, OneOwnedByAdministratorsGetsItsDaclReset) {
    SKIP_WITHOUT_STORED_OWNERS();
    TempDir tmp;
    auto dir = tmp / L"credwatch";
    std::filesystem::create_directories(dir);
    set_security(dir, L"O:BAD:(A;OICI;FA;;;BA)(A;OICI;FRFX;;;BU)(A;OICI;FA;;;AU)");
    auto st = platform::restrict_data_directory(dir);
    ASSERT_TRUE(st) << st.error().message;
    expect_restricted(read_sddl_utf8(dir));
}

TEST(DataDirectory, ANewOneIsCreatedWithItsParents) {
    TempDir tmp;
    auto dir = tmp / L"データ" / L"credwatch";
    auto st = platform::restrict_data_directory(dir);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_TRUE(std::filesystem::is_directory(dir));
    EXPECT_TRUE(platform::restrict_data_directory(dir));  // again: an existing, trusted one
}

TEST(DataDirectory, AFileInItsPlaceIsRefused) {
    TempDir tmp;
    auto dir = tmp / L"credwatch";
    test::write_file(dir, "not a folder");
    auto st = platform::restrict_data_directory(dir);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("not a plain folder"), std::string::npos)
        << st.error().message;
}

}  // namespace
}  // namespace credwatch
