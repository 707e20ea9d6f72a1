#include "credwatch/platform/win_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sddl.h>

#include <vector>

namespace credwatch::win {

std::wstring widen(std::string_view utf8) {
    if (utf8.empty()) return {};
    int n =
        ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
    if (n <= 0) return {};
    std::wstring out(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
    return out;
}

std::string narrow(std::wstring_view utf16) {
    if (utf16.empty()) return {};
    int n = ::WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), nullptr,
                                  0, nullptr, nullptr);
    if (n <= 0) return {};
    std::string out(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), out.data(), n,
                          nullptr, nullptr);
    return out;
}

std::string error_text(DWORD code) {
    wchar_t* buffer = nullptr;
    DWORD n = ::FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
    LocalPtr<wchar_t> owned(buffer);
    if (n == 0 || !buffer) return fmt::format("Win32 error {}", code);
    std::wstring_view text(buffer, n);
    while (!text.empty() && (text.back() == L'\r' || text.back() == L'\n' || text.back() == L' ' ||
                             text.back() == L'.'))
        text.remove_suffix(1);
    return narrow(text);
}

Error fail(Errc code, std::string_view call, std::string_view context, DWORD last_error) {
    std::string text = error_text(last_error);
    spdlog::error("{} failed ({}): error {} ({})", call, context, last_error, text);
    return make_error(code,
                      fmt::format("{}: {} failed: {} (error {})", context, call, text, last_error));
}

std::vector<BYTE> token_user(HANDLE token) {
    DWORD size = 0;
    ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    if (size == 0) return {};
    std::vector<BYTE> buffer(size);
    if (!::GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) return {};
    return buffer;
}

std::vector<BYTE> process_user(HANDLE process) {
    UniqueHandle token;
    if (!::OpenProcessToken(process, TOKEN_QUERY, token.put())) return {};
    return token_user(token.get());
}

PSID user_sid(const std::vector<BYTE>& token_user) {
    return reinterpret_cast<const TOKEN_USER*>(token_user.data())->User.Sid;
}

std::string sid_string(PSID sid) {
    wchar_t* text = nullptr;
    if (!sid || !::ConvertSidToStringSidW(sid, &text)) return "?";
    LocalPtr<wchar_t> owned(text);
    return narrow(text);
}

namespace {

std::wstring read_process_user_sid_string() {
    const std::vector<BYTE> user = process_user();
    if (user.empty()) return {};
    wchar_t* text = nullptr;
    if (!::ConvertSidToStringSidW(user_sid(user), &text)) return {};
    LocalPtr<wchar_t> owned(text);
    return text;
}

}  // namespace

std::wstring process_user_sid_string() {
    // Kept once read; read again only while it could not be.
    static const std::wstring once = read_process_user_sid_string();
    return once.empty() ? read_process_user_sid_string() : once;
}

}  // namespace credwatch::win
