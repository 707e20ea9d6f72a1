// Hidden --screenshot DIR mode: opens the status window (both tabs) and the tray menu against
// the real service, captures them with wxScreenDC into PNG files, saves the icons in every
// colour, and exits. Used by tests/integration/tray_smoke.sh (wxGTK), tray_smoke_wine.sh (wxMSW
// under Wine) and for docs/screenshots/.

#include "tray_app.hpp"

#include <wx/dcmemory.h>
#include <wx/dcscreen.h>
#include <wx/file.h>
#include <wx/filename.h>
#include <wx/uiaction.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
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

// A PNG writer for builds whose wxWidgets has no PNG handler (the static wxMSW of the
// Windows build is made from Debian's +dfsg source, without libpng and zlib): RGB, 8 bits,
// the image data in "stored" (uncompressed) deflate blocks. Large but valid; the smoke
// script recompresses the files it keeps.
class PngWriter {
  public:
    static bool save(const wxImage& image, const wxString& path) {
        const auto w = static_cast<std::uint32_t>(image.GetWidth());
        const auto h = static_cast<std::uint32_t>(image.GetHeight());
        std::string raw;  // filter byte 0 + the RGB row, per row
        raw.reserve((w * 3 + 1) * h);
        const unsigned char* rgb = image.GetData();
        for (std::uint32_t y = 0; y < h; ++y) {
            raw.push_back('\0');
            raw.append(reinterpret_cast<const char*>(rgb + std::size_t{y} * w * 3), w * 3);
        }
        std::string z = "\x78\x01";  // zlib header: deflate, 32 KiB window, no dictionary
        for (std::size_t pos = 0; pos < raw.size() || pos == 0;) {
            const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
            const bool last = pos + n == raw.size();
            z.push_back(last ? '\1' : '\0');
            z.push_back(static_cast<char>(n & 0xff));
            z.push_back(static_cast<char>(n >> 8));
            z.push_back(static_cast<char>(~n & 0xff));
            z.push_back(static_cast<char>((~n >> 8) & 0xff));
            z.append(raw, pos, n);
            pos += n;
            if (last) break;
        }
        append_u32(z, adler32(raw));
        std::string ihdr;
        append_u32(ihdr, w);
        append_u32(ihdr, h);
        ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, no interlace
        std::string png = "\x89PNG\r\n\x1a\n";
        chunk(png, "IHDR", ihdr);
        chunk(png, "IDAT", z);
        chunk(png, "IEND", "");
        wxFile file;
        if (!file.Create(path, true)) return false;
        return file.Write(png.data(), png.size()) == png.size() && file.Close();
    }

  private:
    static void append_u32(std::string& out, std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>((v >> shift) & 0xff));
    }
    static std::uint32_t adler32(const std::string& data) {
        std::uint32_t a = 1, b = 0;
        for (unsigned char c : data) {
            a = (a + c) % 65521;
            b = (b + a) % 65521;
        }
        return (b << 16) | a;
    }
    static std::uint32_t crc32(const std::string& data) {
        static const std::array<std::uint32_t, 256> table = [] {
            std::array<std::uint32_t, 256> t{};
            for (std::uint32_t n = 0; n < 256; ++n) {
                std::uint32_t c = n;
                for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
                t[n] = c;
            }
            return t;
        }();
        std::uint32_t c = 0xffffffffu;
        for (unsigned char ch : data) c = table[(c ^ ch) & 0xff] ^ (c >> 8);
        return c ^ 0xffffffffu;
    }
    static void chunk(std::string& png, const char* type, const std::string& body) {
        append_u32(png, static_cast<std::uint32_t>(body.size()));
        const std::string typed = std::string(type, 4) + body;
        png += typed;
        append_u32(png, crc32(typed));
    }
};

}  // namespace

// PNG through wx when it has a PNG handler (wxGTK), otherwise through PngWriter (wxMSW here).
bool save_png(const wxImage& image, const wxString& path) {
    if (wxImage::FindHandler(wxBITMAP_TYPE_PNG)) return image.SaveFile(path, wxBITMAP_TYPE_PNG);
    return PngWriter::save(image, path);
}

namespace {

bool capture_rect(wxRect rect, const wxString& path) {
    // Only what is on the screen: wxMSW's Blit from a screen DC (BitBlt) under Wine copies
    // nothing at all when the source reaches past the screen's edge.
    int w = 0, h = 0;
    wxDisplaySize(&w, &h);
    rect.Intersect(wxRect(0, 0, w, h));
    if (rect.IsEmpty()) return false;
    bool ok = false;
#ifdef __WXGTK__
    if (auto image = gdk_capture(rect)) ok = save_png(*image, path);
    if (!ok)
#endif
    {
        wxScreenDC screen;
        wxBitmap bitmap(rect.width, rect.height, 24);
        {
            wxMemoryDC memory(bitmap);
            memory.Blit(0, 0, rect.width, rect.height, &screen, rect.x, rect.y);
        }
        ok = save_png(bitmap.ConvertToImage(), path);
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
        save_png(state_bitmap(c, 64).ConvertToImage(), path);
    }
    open_status();
    int screen_w = 0, screen_h = 0;
    wxDisplaySize(&screen_w, &screen_h);  // all of the window on the screen, to be captured
    status_->SetSize(0, 0, std::min(status_->FromDIP(1060), screen_w),
                     std::min(status_->FromDIP(460), screen_h));
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
