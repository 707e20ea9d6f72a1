#include "start_service.hpp"

#include <windows.h>
// After windows.h, which it needs.
#include <shellapi.h>

#include <string>

namespace credwatch::tray {

StartRequest start_service() {
    StartRequest request;
    request.command = "sc.exe start credwatch";
    // "runas": UAC asks for consent; the service itself runs as LocalSystem, as installed.
    SHELLEXECUTEINFOW info{};
    info.cbSize = sizeof(info);
    info.fMask = SEE_MASK_NOASYNC;
    info.lpVerb = L"runas";
    info.lpFile = L"sc.exe";
    info.lpParameters = L"start credwatch";
    info.nShow = SW_HIDE;
    if (!::ShellExecuteExW(&info)) {
        const DWORD error = ::GetLastError();
        request.error = error == ERROR_CANCELLED
                            ? "the administrator's consent was not given"
                            : "ShellExecuteEx failed (error " + std::to_string(error) + ")";
        return request;
    }
    request.launched = true;
    return request;
}

}  // namespace credwatch::tray
