// The notification-area icon: its colour is the worst state, its tooltip the nearest deadline,
// its menu built from the view model (tray_model.cpp: build_menu).

#include "tray_app.hpp"

#include <wx/dcmemory.h>

namespace credwatch::tray {

namespace {
constexpr int kFirstId = wxID_HIGHEST + 1;
}

wxBitmap state_bitmap(TrayColour colour, int size) {
    wxImage image(size, size);
    image.InitAlpha();
    {
        // Draw on a bitmap, then make everything outside the circle transparent.
        wxBitmap canvas(size, size, 24);
        wxMemoryDC dc(canvas);
        dc.SetBackground(*wxWHITE_BRUSH);
        dc.Clear();
        const Rgb c = rgb(colour);
        dc.SetBrush(wxBrush(wxColour(c.r, c.g, c.b)));
        dc.SetPen(wxPen(wxColour(c.r / 2, c.g / 2, c.b / 2), std::max(1, size / 16)));
        dc.DrawEllipse(1, 1, size - 2, size - 2);
        dc.SelectObject(wxNullBitmap);
        image = canvas.ConvertToImage();
    }
    image.InitAlpha();
    const double r = (size - 1) / 2.0;
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const double dx = x - r, dy = y - r;
            image.SetAlpha(x, y, dx * dx + dy * dy <= (r + 0.5) * (r + 0.5) ? 255 : 0);
        }
    return wxBitmap(image);
}

TrayIcon::TrayIcon(TrayApp& app) : app_(app) {
    Bind(wxEVT_TASKBAR_LEFT_DCLICK, [this](wxTaskBarIconEvent&) { app_.open_status(); });
    Bind(wxEVT_TASKBAR_LEFT_UP, [this](wxTaskBarIconEvent&) { app_.open_status(); });
    Bind(wxEVT_MENU, &TrayIcon::on_menu, this);
}

void TrayIcon::update(const Snapshot& snapshot) {
    // The minute poll usually changes nothing; redrawing would wake GTK's drawing code for it.
    const TrayColour colour = colour_for(snapshot);
    const std::string tip = tooltip(snapshot);
    if (IsIconInstalled() && colour == colour_ && tip == tooltip_) return;
    colour_ = colour;
    tooltip_ = tip;
    SetIcon(wxBitmapBundle::FromBitmap(state_bitmap(colour_, 32)), wx(tooltip_));
}

void TrayIcon::add_items(wxMenu& menu, const std::vector<MenuItem>& items) {
    for (const auto& item : items) {
        if (item.separator) {
            menu.AppendSeparator();
            continue;
        }
        // '&' would be taken as a mnemonic.
        wxString label = wx(item.label);
        label.Replace("&", "&&");
        if (!item.children.empty()) {
            auto* sub = new wxMenu;
            add_items(*sub, item.children);
            menu.AppendSubMenu(sub, label)->Enable(item.enabled);
            continue;
        }
        const int id = kFirstId + static_cast<int>(actions_.size());
        actions_.push_back(item);
        wxMenuItem* mi = menu.Append(id, label);
        mi->Enable(item.enabled && item.action != MenuAction::none);
    }
}

wxMenu* TrayIcon::make_menu() {
    actions_.clear();
    auto* menu = new wxMenu;
    add_items(*menu, build_menu(app_.snapshot()));
    return menu;
}

wxMenu* TrayIcon::CreatePopupMenu() {
    return make_menu();
}

void TrayIcon::on_menu(wxCommandEvent& event) {
    const int index = event.GetId() - kFirstId;
    if (index < 0 || index >= static_cast<int>(actions_.size())) return;
    const MenuItem item = actions_[static_cast<std::size_t>(index)];  // perform may rebuild
    app_.perform(item);
}

}  // namespace credwatch::tray
