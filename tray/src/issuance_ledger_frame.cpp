// The issuance ledger window: every row of the service's issuance ledger (docs/issuances.md),
// oldest first, with the count and the quota left after it. Read-only.

#include "tray_app.hpp"

#include <array>

namespace credwatch::tray {

namespace {

class IssuanceLedgerFrame : public wxFrame {
  public:
    explicit IssuanceLedgerFrame(TrayApp& app)
        : wxFrame(nullptr, wxID_ANY, _("credwatch: issuance history"), wxDefaultPosition,
                  wxSize(900, 400), wxDEFAULT_FRAME_STYLE, "issuance-ledger"),
          app_(app) {
        auto* panel = new wxPanel(this);
        list_ = new wxListCtrl(panel, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                               wxLC_REPORT | wxLC_SINGLE_SEL, wxDefaultValidator, "issuances");
        const std::array<wxString, 6> titles = {_("When"), _("How"),   _("Certificate"),
                                                _("Who"),  _("Total"), _("Left")};
        const std::array<int, 6> widths = {130, 90, 330, 120, 70, 70};
        for (std::size_t i = 0; i < titles.size(); ++i)
            list_->AppendColumn(titles[i], wxLIST_FORMAT_LEFT, FromDIP(widths[i]));
        auto* reload = new wxButton(panel, wxID_ANY, _("Reload"), wxDefaultPosition, wxDefaultSize,
                                    0, wxDefaultValidator, "reload-issuances");
        reload->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { reload_rows(); });
        auto* sizer = new wxBoxSizer(wxVERTICAL);
        sizer->Add(list_, 1, wxEXPAND | wxALL, FromDIP(6));
        sizer->Add(reload, 0, wxLEFT | wxBOTTOM, FromDIP(6));
        panel->SetSizer(sizer);
        Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent&) {
            Destroy();
            app_.schedule_trim();
        });
    }

    void reload_rows() {
        auto reply = app_.request("issuances");
        if (!reply || !reply->is_object()) return;
        const auto rows = issuance_rows_from_json(reply->as_object(), app_.snapshot());
        list_->DeleteAllItems();
        for (const auto& row : rows) {
            const long i = list_->InsertItem(list_->GetItemCount(), wx(row.when));
            list_->SetItem(i, 1, wx(row.how));
            list_->SetItem(i, 2, wx(row.subject));
            list_->SetItem(i, 3, wx(row.who));
            list_->SetItem(i, 4, wxString::Format("%d", row.total));
            list_->SetItem(
                i, 5, row.left ? wxString::Format("%d", *row.left) : wxString::FromUTF8("\u2014"));
        }
    }

  private:
    TrayApp& app_;
    wxListCtrl* list_ = nullptr;
};

}  // namespace

void TrayApp::open_issuance_ledger() {
    auto* frame = dynamic_cast<IssuanceLedgerFrame*>(wxWindow::FindWindowByName("issuance-ledger"));
    if (!frame) frame = new IssuanceLedgerFrame(*this);
    frame->reload_rows();
    frame->Show();
    frame->Iconize(false);
    frame->Raise();
}

}  // namespace credwatch::tray
