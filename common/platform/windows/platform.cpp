// Windows implementation of credwatch/platform.hpp (the Transport is in transport.cpp).

#include "credwatch/platform/platform.hpp"

#include "credwatch/platform/win_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <aclapi.h>
#include <knownfolders.h>
#include <sddl.h>
#include <shellapi.h>
#include <shlobj.h>

#include <cstdint>
#include <vector>

namespace credwatch::platform {

std::string machine_name() {
    wchar_t name[256];
    DWORD size = 256;
    if (!::GetComputerNameExW(ComputerNameDnsHostname, name, &size) || size == 0) return "unknown";
    const std::string out = win::narrow(std::wstring_view(name, size));
    return out.empty() ? "unknown" : out;
}

std::string current_user() {
    wchar_t name[257];
    DWORD size = static_cast<DWORD>(std::size(name));
    if (::GetUserNameW(name, &size) && size > 0)
        return win::narrow(std::wstring_view(name, size - 1));
    spdlog::warn("GetUserNameW failed: error {} ({})", ::GetLastError(),
                 win::error_text(::GetLastError()));
    return "?";
}

std::filesystem::path default_data_dir() {
    PWSTR folder = nullptr;
    if (SUCCEEDED(::SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &folder)) && folder) {
        std::filesystem::path base(folder);
        ::CoTaskMemFree(folder);
        return base / L"credwatch";
    }
    ::CoTaskMemFree(folder);
    wchar_t buffer[MAX_PATH];
    DWORD n = ::GetEnvironmentVariableW(L"ProgramData", buffer, MAX_PATH);
    if (n > 0 && n < MAX_PATH) return std::filesystem::path(std::wstring(buffer, n)) / L"credwatch";
    return std::filesystem::path(L"C:\\ProgramData\\credwatch");
}

namespace {

// Absolute, backslashes, no trailing separator (except a drive root), lowercase (invariant).
std::wstring canonical_key(const std::filesystem::path& data_dir) {
    std::wstring in = data_dir.native();
    for (auto& c : in)
        if (c == L'/') c = L'\\';
    std::wstring full = in;
    DWORD n = ::GetFullPathNameW(in.c_str(), 0, nullptr, nullptr);
    if (n > 0) {
        std::wstring buffer(n, L'\0');
        DWORD m = ::GetFullPathNameW(in.c_str(), n, buffer.data(), nullptr);
        if (m > 0 && m < n) full.assign(buffer.data(), m);
    }
    while (full.size() > 3 && full.back() == L'\\') full.pop_back();
    if (full.empty()) return full;
    int len = ::LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_LOWERCASE, full.c_str(),
                              static_cast<int>(full.size()), nullptr, 0, nullptr, nullptr, 0);
    if (len <= 0) return full;
    std::wstring lower(static_cast<std::size_t>(len), L'\0');
    ::LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_LOWERCASE, full.c_str(),
                    static_cast<int>(full.size()), lower.data(), len, nullptr, nullptr, 0);
    return lower;
}

std::uint64_t fnv1a64(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace

std::string ipc_endpoint(const std::filesystem::path& data_dir) {
    return fmt::format("\\\\.\\pipe\\credwatch-{:016x}",
                       fnv1a64(win::narrow(canonical_key(data_dir))));
}

std::string to_utf8(const std::filesystem::path& path) {
    return win::narrow(path.native());
}

std::filesystem::path from_utf8(std::string_view text) {
    return std::filesystem::path(win::widen(text));
}

std::vector<std::string> utf8_arguments(int argc, char** argv) {
    int n = 0;
    wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &n);
    if (!wide) return {argv, argv + argc};
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(win::narrow(wide[i]));
    ::LocalFree(wide);
    ::SetConsoleOutputCP(CP_UTF8);
    return out;
}

Result<TimePoint> modification_time(const std::filesystem::path& path) {
    WIN32_FILE_ATTRIBUTE_DATA data{};
    if (!::GetFileAttributesExW(path.c_str(), GetFileExInfoStandard, &data)) {
        DWORD err = ::GetLastError();
        Errc code = (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) ? Errc::not_found
                                                                                 : Errc::io_error;
        return make_error(code, fmt::format("{}: {}", to_utf8(path), win::error_text(err)));
    }
    // 100 ns ticks since 1601-01-01 UTC.
    std::uint64_t ticks = (static_cast<std::uint64_t>(data.ftLastWriteTime.dwHighDateTime) << 32) |
                          data.ftLastWriteTime.dwLowDateTime;
    constexpr std::int64_t kUnixEpochTicks = 116444736000000000LL;
    std::int64_t since_epoch = static_cast<std::int64_t>(ticks) - kUnixEpochTicks;
    return TimePoint{std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::duration<std::int64_t, std::ratio<1, 10000000>>{since_epoch})};
}

Status restrict_data_directory(const std::filesystem::path& data_dir) {
    // Protected DACL, inherited by everything below: SYSTEM, Administrators and the account
    // that runs the service have full control; other users may read (logs, diagnostics).
    std::wstring sddl = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
    if (std::wstring self = win::process_user_sid_string(); !self.empty() && self != L"S-1-5-18")
        sddl += L"(A;OICI;FA;;;" + self + L")";
    sddl += L"(A;OICI;FRFX;;;BU)";
    PSECURITY_DESCRIPTOR sd = nullptr;
    if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &sd,
                                                                nullptr))
        return win::fail(Errc::internal, "ConvertStringSecurityDescriptorToSecurityDescriptorW",
                         win::narrow(sddl));
    win::LocalPtr<void> owned(sd);
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = nullptr;
    if (!::GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted))
        return win::fail(Errc::internal, "GetSecurityDescriptorDacl", win::narrow(sddl));
    std::wstring name = data_dir.native();
    DWORD rc =
        ::SetNamedSecurityInfoW(name.data(), SE_FILE_OBJECT,
                                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                nullptr, nullptr, dacl, nullptr);
    if (rc != ERROR_SUCCESS)
        return win::fail(
            Errc::io_error, "SetNamedSecurityInfoW",
            fmt::format("restricting access to the data directory {}", to_utf8(data_dir)), rc);
    return {};
}

struct InstanceLock::Handle {
    win::UniqueHandle file;
};

InstanceLock::~InstanceLock() = default;

Result<std::unique_ptr<InstanceLock>> InstanceLock::acquire(const std::filesystem::path& data_dir) {
    auto path = data_dir / L"credwatch.lock";
    auto handle = std::make_unique<Handle>();
    // Share mode 0: while we hold the handle nobody else can open the file at all, and the
    // system drops it when the process ends, however it ends.
    handle->file.reset(::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                     OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!handle->file) {
        DWORD err = ::GetLastError();
        if (err == ERROR_SHARING_VIOLATION || err == ERROR_LOCK_VIOLATION) {
            return make_error(
                Errc::already_running,
                fmt::format("another credwatch service is already running on the data "
                            "directory {}",
                            to_utf8(data_dir)));
        }
        return win::fail(Errc::io_error, "CreateFileW",
                         fmt::format("cannot open the lock file {}", to_utf8(path)), err);
    }
    // The PID helps a person who finds the file; the open handle is what counts.
    auto pid = std::to_string(::GetCurrentProcessId()) + "\r\n";
    DWORD written = 0;
    ::SetEndOfFile(handle->file.get());
    ::WriteFile(handle->file.get(), pid.data(), static_cast<DWORD>(pid.size()), &written, nullptr);
    auto lock = std::unique_ptr<InstanceLock>(new InstanceLock());
    lock->handle_ = std::move(handle);
    return lock;
}

}  // namespace credwatch::platform
