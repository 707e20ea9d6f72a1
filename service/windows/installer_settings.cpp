#include "installer_settings.hpp"

#include "credwatch/catalog/site_edit.hpp"
#include "credwatch/platform/win_util.hpp"

#include <fmt/format.h>

namespace credwatch {

namespace {
constexpr wchar_t kInstallerKey[] = L"Software\\credwatch\\Installer";
}

Result<std::vector<std::string>> take_installer_settings() {
    win::UniqueHKey key;
    LSTATUS rc = ::RegOpenKeyExW(HKEY_LOCAL_MACHINE, kInstallerKey, 0,
                                 KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_WOW64_64KEY, key.put());
    if (rc == ERROR_FILE_NOT_FOUND) return std::vector<std::string>{};
    if (rc != ERROR_SUCCESS)
        return win::fail(Errc::io_error, "RegOpenKeyExW", "HKLM\\Software\\credwatch\\Installer",
                         static_cast<DWORD>(rc));
    std::vector<std::string> settings;
    for (const auto& name : site_setting_keys()) {
        const std::wstring value_name = win::widen(name);
        DWORD type = 0, size = 0;
        rc = ::RegQueryValueExW(key.get(), value_name.c_str(), nullptr, &type, nullptr, &size);
        if (rc == ERROR_FILE_NOT_FOUND) continue;
        if (rc != ERROR_SUCCESS || type != REG_SZ)
            return make_error(Errc::invalid_argument,
                              fmt::format("HKLM\\Software\\credwatch\\Installer\\{}: not a "
                                          "string value",
                                          name));
        std::wstring text(size / sizeof(wchar_t) + 1, L'\0');
        DWORD bytes = static_cast<DWORD>(text.size() * sizeof(wchar_t));
        rc = ::RegQueryValueExW(key.get(), value_name.c_str(), nullptr, &type,
                                reinterpret_cast<BYTE*>(text.data()), &bytes);
        if (rc != ERROR_SUCCESS)
            return win::fail(Errc::io_error, "RegQueryValueExW", name, static_cast<DWORD>(rc));
        text.resize(bytes / sizeof(wchar_t));
        while (!text.empty() && text.back() == L'\0') text.pop_back();
        ::RegDeleteValueW(key.get(), value_name.c_str());
        if (!text.empty()) settings.push_back(name + "=" + win::narrow(text));
    }
    return settings;
}

}  // namespace credwatch
