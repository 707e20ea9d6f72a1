#include "credwatch/domain/identifiers.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace credwatch;

namespace {

std::string problem(const Status& st) {
    return st ? std::string("(accepted)") : st.error().message;
}

TEST(Identifiers, CredentialIdsAreShortAsciiWithoutShellCharacters) {
    for (const char* good :
         {"cancer-registry/user-password", "orca-cloud/client-certificate@yamada", "a", "x_1.2+3"})
        EXPECT_TRUE(check_credential_id(good, "id")) << good;
    EXPECT_TRUE(check_credential_id(std::string(128, 'a'), "id"));
    EXPECT_EQ(problem(check_credential_id(std::string(129, 'a'), "parameter \"credential\"")),
              "parameter \"credential\" must be at most 128 bytes (found 129)");
    EXPECT_EQ(problem(check_credential_id("", "id")), "id is empty");
    for (const char* bad : {"a b", "a;b", "a|b", "$(id)", "`id`", "a&b", "a>b", "a'b", "a\"b",
                            "a\\b", "a*b", "a\nb", "a\tb", "~root", "\xe8\xa8\xbc"})
        EXPECT_FALSE(check_credential_id(bad, "id")) << bad;
    EXPECT_EQ(problem(check_credential_id("ab\ncd", "field \"id\"")),
              "field \"id\" may only use ASCII letters, digits and - _ . / @ + (found "
              "\"ab\\x0acd\": \"\\x0a\" at byte 3)");
}

TEST(Identifiers, LabelsAreUtf8WithoutControlCharacters) {
    EXPECT_TRUE(check_label("", "label"));
    EXPECT_TRUE(check_label("がん登録 利用者パスワード (受付 PC)", "label"));
    EXPECT_TRUE(check_label(std::string(256, 'a'), "label"));
    EXPECT_EQ(problem(check_label(std::string(257, 'a'), "parameter \"label\"")),
              "parameter \"label\" must be at most 256 bytes (found 257)");
    for (const char* bad : {"a\nb", "\x1b[31mred", "a\x7f", "\xc2\x85", "\xe2\x80\xae", "\xff"})
        EXPECT_FALSE(check_label(bad, "label")) << bad;
    EXPECT_EQ(problem(check_label("x\x1b[2J", "parameter \"label\"")),
              "parameter \"label\" must be UTF-8 text without control characters (found "
              "\"x\\x1b[2J\")");
}

TEST(Identifiers, ALocalPathIsAbsoluteAndNeitherNetworkNorDevice) {
    for (const char* good :
         {"/srv/forms/届出申出書.pdf", "C:\\Users\\Public\\form.pdf", "d:/forms/form.pdf"})
        EXPECT_TRUE(check_local_path(good, "document_path")) << good;
    for (const char* network : {"\\\\server\\share\\f.pdf", "//server/share/f.pdf",
                                "\\/server/share", "/\\server\\share"})
        EXPECT_NE(problem(check_local_path(network, "p")).find("network"), std::string::npos)
            << network;
    for (const char* device : {"\\\\?\\UNC\\server\\share\\f.pdf", "\\\\?\\C:\\f.pdf",
                               "\\\\.\\PhysicalDrive0", "//./pipe/x", "\\??\\C:\\f.pdf"})
        EXPECT_NE(problem(check_local_path(device, "p")).find("device"), std::string::npos)
            << device;
    for (const char* relative : {"form.pdf", "forms/form.pdf", "C:form.pdf", "\\forms\\f.pdf"})
        EXPECT_NE(problem(check_local_path(relative, "p")).find("absolute"), std::string::npos)
            << relative;
    EXPECT_FALSE(check_local_path("/srv/a\nb", "p"));
    EXPECT_FALSE(check_local_path("", "p"));
    EXPECT_FALSE(check_local_path("/" + std::string(1024, 'a'), "p"));
}

}  // namespace
