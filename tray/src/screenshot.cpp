// Hidden --screenshot DIR mode: opens the status window (both tabs) and the tray menu against
// the real service, captures them with wxScreenDC into PNG files, saves the icons in every
// colour, and exits. Used by tests/integration/tray_smoke.sh and for docs/screenshots/.

#include "tray_app.hpp"

#include <wx/dcmemory.h>
#include <wx/dcscreen.h>
#include <wx/filename.h>
#include <wx/uiaction.h>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <optional>
#ifdef __WXGTK__
#include <dlfcn.h>
#endif
#include <iostream>

namespace credwatch::tray {

namespace {

#ifdef __WXGTK__
// wxScreenDC::Blit on wxGTK3 returned stale pixels under Xvfb; GDK reads the root window
// afresh. GTK is already loaded (by wx), so its functions are looked up, not linked.
std::optional<wxImage> gdk_capture(const wxRect& rect) {
    using RootFn = void* (*)();
    using GetFn = void* (*)(void*, int, int, int, int);
    using IntFn = int (*)(const void*);
    using PixelsFn = unsigned char* (*)(const void*);
    using UnrefFn = void (*)(void*);
    auto sym = [](const char* name) { return dlsym(RTLD_DEFAULT, name); };
    auto root = reinterpret_cast<RootFn>(sym("gdk_get_default_root_window"));
    auto get = reinterpret_cast<GetFn>(sym("gdk_pixbuf_get_from_window"));
    auto channels = reinterpret_cast<IntFn>(sym("gdk_pixbuf_get_n_channels"));
    auto stride = reinterpret_cast<IntFn>(sym("gdk_pixbuf_get_rowstride"));
    auto pixels = reinterpret_cast<PixelsFn>(sym("gdk_pixbuf_get_pixels"));
    auto unref = reinterpret_cast<UnrefFn>(sym("g_object_unref"));
    if (!root || !get || !channels || !stride || !pixels || !unref) return std::nullopt;
    void* pixbuf = get(root(), rect.x, rect.y, rect.width, rect.height);
    if (!pixbuf) return std::nullopt;
    wxImage image(rect.width, rect.height);
    const int n = channels(pixbuf), row = stride(pixbuf);
    const unsigned char* src = pixels(pixbuf);
    unsigned char* dst = image.GetData();
    for (int y = 0; y < rect.height; ++y)
        for (int x = 0; x < rect.width; ++x)
            for (int c = 0; c < 3; ++c)
                dst[(y * rect.width + x) * 3 + c] = src[y * row + x * n + c];
    unref(pixbuf);
    return image;
}
#endif

bool capture_rect(const wxRect& rect, const wxString& path) {
    if (rect.IsEmpty()) return false;
    bool ok = false;
#ifdef __WXGTK__
    if (auto image = gdk_capture(rect)) ok = image->SaveFile(path, wxBITMAP_TYPE_PNG);
    if (!ok)
#endif
    {
        wxScreenDC screen;
        wxBitmap bitmap(rect.width, rect.height, 24);
        {
            wxMemoryDC memory(bitmap);
            memory.Blit(0, 0, rect.width, rect.height, &screen, rect.x, rect.y);
        }
        ok = bitmap.SaveFile(path, wxBITMAP_TYPE_PNG);
    }
    std::cout << (ok ? "saved " : "FAILED ") << path.utf8_string() << "\n" << std::flush;
    return ok;
}

}  // namespace

bool capture_window(wxWindow* window, const wxString& path) {
    window->Update();
    return capture_rect(window->GetScreenRect(), path);
}

bool capture_screen(const wxString& path) {
    int w = 0, h = 0;
    wxDisplaySize(&w, &h);
    return capture_rect(wxRect(0, 0, w, h), path);
}

void TrayApp::run_screenshots() {
    const wxString dir = options_.screenshot_dir;
    wxFileName::Mkdir(dir, wxS_DIR_DEFAULT, wxPATH_MKDIR_FULL);
    for (TrayColour c : {TrayColour::green, TrayColour::amber, TrayColour::red, TrayColour::grey}) {
        const wxString path = dir + "/icon-" + wx(std::string(to_string(c))) + ".png";
        state_bitmap(c, 64).SaveFile(path, wxBITMAP_TYPE_PNG);
    }
    open_status();
    status_->SetSize(0, 0, status_->FromDIP(1060), status_->FromDIP(460));
    if (!snapshot_.credentials.empty()) {
        std::vector<CredentialView> rows = snapshot_.credentials;
        sort_rows(rows, Column::days_left, true);
        status_->select_credential(rows.front().id);
    }
    call_later(std::chrono::milliseconds(1500), [this, dir] {
        capture_window(status_, dir + "/status.png");
        status_->show_inventory_tab();
        call_later(std::chrono::milliseconds(1000), [this, dir] {
            capture_window(status_, dir + "/inventory.png");
            if (!snapshot_.credentials.empty())
                status_->select_credential(snapshot_.credentials.front().id);
            // The menu is modal: a timer inside its loop captures the screen and closes it.
            static bool closed = false;
            // From the bottom: Quit, Settings, "Open a procedure"; Right opens that submenu.
            call_later(std::chrono::milliseconds(800), [] {
                wxUIActionSimulator sim;
                for (int i = 0; i < 3; ++i) sim.Char(WXK_UP);
                sim.Char(WXK_RIGHT);
            });
            call_later(std::chrono::milliseconds(1800), [dir] {
                capture_screen(dir + "/menu.png");
                wxUIActionSimulator sim;
                sim.Char(WXK_ESCAPE);
                sim.Char(WXK_ESCAPE);
            });
            call_later(std::chrono::milliseconds(6000), [] {
                if (!closed) {
                    spdlog::warn("tray: the menu did not close; leaving");
                    std::_Exit(0);
                }
            });
            wxMenu* menu = icon_->make_menu();
            status_->PopupMenu(menu, status_->FromDIP(wxPoint(40, 40)));
            closed = true;
            delete menu;
            quit();
        });
    });
}

}  // namespace credwatch::tray
