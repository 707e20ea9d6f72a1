// The SMTP password file on Windows: a DPAPI blob (machine scope) in a file that only SYSTEM
// and the Administrators may read.

#include "credwatch/platform/secret_file.hpp"

#include "credwatch/base/strings.hpp"

#include "credwatch/platform/win_util.hpp"
#include "file_kind.hpp"

#include <dpapi.h>
#include <sddl.h>
#include <windows.h>

#include <fmt/format.h>

#include <vector>

namespace credwatch {

namespace {

// Ties the blob to credwatch: another program's DPAPI blob is not accepted as the password.
constexpr char kEntropy[] = "credwatch SMTP password v1";

DATA_BLOB entropy_blob() {
    DATA_BLOB b;
    b.pbData = reinterpret_cast<BYTE*>(const_cast<char*>(kEntropy));
    b.cbData = static_cast<DWORD>(sizeof kEntropy - 1);
    return b;
}

std::string name_of(const std::filesystem::path& file) {
    return path_to_utf8(file);
}

}  // namespace

Result<std::string> read_secret_file(const std::filesystem::path& file) {
    // FILE_FLAG_OPEN_REPARSE_POINT: a link or junction at the name is refused, not followed.
    win::UniqueHandle h(
        ::CreateFileW(file.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                      FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    if (!h) {
        const DWORD err = ::GetLastError();
        if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
            return make_error(Errc::not_found,
                              fmt::format("password file {} does not exist", name_of(file)));
        return win::fail(err == ERROR_ACCESS_DENIED ? Errc::permission_denied : Errc::io_error,
                         "CreateFileW", "password file " + name_of(file), err);
    }
    BY_HANDLE_FILE_INFORMATION info{};
    if (platform::detail::handle_kind(h.get(), info) != platform::detail::HandleKind::regular)
        return make_error(Errc::permission_denied,
                          fmt::format("password file {} is not a regular file (a link, a "
                                      "junction or a device): refused",
                                      name_of(file)));
    std::vector<BYTE> data;
    BYTE buffer[4096];
    for (;;) {
        DWORD n = 0;
        if (!::ReadFile(h.get(), buffer, sizeof buffer, &n, nullptr))
            return win::fail(Errc::io_error, "ReadFile", "password file " + name_of(file));
        if (n == 0) break;
        data.insert(data.end(), buffer, buffer + n);
        if (data.size() > 64 * 1024)
            return make_error(Errc::parse_error,
                              fmt::format("password file {} is too large", name_of(file)));
    }
    DATA_BLOB in{static_cast<DWORD>(data.size()), data.data()};
    DATA_BLOB entropy = entropy_blob();
    DATA_BLOB out{};
    if (!::CryptUnprotectData(&in, nullptr, &entropy, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN,
                              &out))
        return make_error(
            Errc::parse_error,
            fmt::format("password file {} is not a password protected on this machine (error {}: "
                        "{}); write it again with `credwatch protect-password {}`",
                        name_of(file), ::GetLastError(), win::error_text(::GetLastError()),
                        name_of(file)));
    std::string secret(reinterpret_cast<const char*>(out.pbData), out.cbData);
    ::SecureZeroMemory(out.pbData, out.cbData);
    ::LocalFree(out.pbData);
    return secret;
}

Status write_secret_file(const std::filesystem::path& file, std::string_view secret) {
    DATA_BLOB in{static_cast<DWORD>(secret.size()),
                 reinterpret_cast<BYTE*>(const_cast<char*>(secret.data()))};
    DATA_BLOB entropy = entropy_blob();
    DATA_BLOB out{};
    if (!::CryptProtectData(&in, L"credwatch SMTP password", &entropy, nullptr, nullptr,
                            CRYPTPROTECT_LOCAL_MACHINE | CRYPTPROTECT_UI_FORBIDDEN, &out))
        return win::fail(Errc::crypto_error, "CryptProtectData", "protecting the SMTP password");
    win::LocalPtr<BYTE> blob(out.pbData);

    // SYSTEM and Administrators only, not inherited from the folder.
    PSECURITY_DESCRIPTOR sd = nullptr;
    if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                                                                SDDL_REVISION_1, &sd, nullptr))
        return win::fail(Errc::internal, "ConvertStringSecurityDescriptorToSecurityDescriptorW",
                         "password file ACL");
    win::LocalPtr<void> sd_owner(sd);
    SECURITY_ATTRIBUTES sa{sizeof(SECURITY_ATTRIBUTES), sd, FALSE};

    std::filesystem::path temp = file;
    temp += L".tmp";
    ::DeleteFileW(temp.c_str());
    {
        win::UniqueHandle h(::CreateFileW(temp.c_str(), GENERIC_WRITE, 0, &sa, CREATE_NEW,
                                          FILE_ATTRIBUTE_NORMAL, nullptr));
        if (!h) return win::fail(Errc::io_error, "CreateFileW", name_of(temp));
        DWORD written = 0;
        if (!::WriteFile(h.get(), out.pbData, out.cbData, &written, nullptr) ||
            written != out.cbData) {
            const DWORD err = ::GetLastError();
            h.reset();
            ::DeleteFileW(temp.c_str());
            return win::fail(Errc::io_error, "WriteFile", name_of(temp), err);
        }
        ::FlushFileBuffers(h.get());
    }
    if (!::MoveFileExW(temp.c_str(), file.c_str(),
                       MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        const DWORD err = ::GetLastError();
        ::DeleteFileW(temp.c_str());
        return win::fail(Errc::io_error, "MoveFileExW", name_of(file), err);
    }
    return {};
}

}  // namespace credwatch
