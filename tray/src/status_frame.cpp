// The status window: every tracked credential in a sortable table with the actions staff need,
// and the certificate inventory with a way to track an untracked certificate.

#include "tray_app.hpp"

#include <array>

namespace credwatch::tray {

namespace {

constexpr std::array<Column, kColumnCount> kColumns = {
    Column::system,    Column::credential, Column::owner,    Column::expires,
    Column::days_left, Column::state,      Column::issuances};
constexpr std::array<int, kColumnCount> kWidths = {230, 250, 90, 130, 150, 90, 80};

wxColour row_colour(State state) {
    switch (colour_for(state)) {
        case TrayColour::red:
            return wxColour(0xfd, 0xe0, 0xe0);
        case TrayColour::amber:
            return wxColour(0xff, 0xf1, 0xd0);
        default:
            return wxNullColour;
    }
}

std::string short_thumbprint(const std::string& sha256) {
    return sha256.size() > 16 ? sha256.substr(0, 16) + "…" : sha256;
}

}  // namespace

StatusFrame::StatusFrame(TrayApp& app)
    : wxFrame(nullptr, wxID_ANY, _("credwatch: passwords and certificates"), wxDefaultPosition,
              wxSize(1060, 460)),
      app_(app) {
    auto* panel = new wxPanel(this);
    // Widgets carry names so tests/gui can find and click them.
    notebook_ = new wxNotebook(panel, wxID_ANY, wxDefaultPosition, wxDefaultSize, 0, "pages");

    // --- credentials ---
    auto* page = new wxPanel(notebook_);
    list_ = new wxListCtrl(page, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                           wxLC_REPORT | wxLC_SINGLE_SEL, wxDefaultValidator, "credentials");
    for (std::size_t i = 0; i < kColumns.size(); ++i)
        list_->AppendColumn(wx(column_title(kColumns[i])), wxLIST_FORMAT_LEFT, FromDIP(kWidths[i]));
    const auto button = [](wxWindow* parent, const wxString& label, const char* name) {
        return new wxButton(parent, wxID_ANY, label, wxDefaultPosition, wxDefaultSize, 0,
                            wxDefaultValidator, name);
    };
    procedure_ = button(page, _("Open procedure"), "procedure");
    record_ = button(page, _("I changed it"), "record");
    issued_ = button(page, _("I issued a certificate"), "issued");
    ack_ = button(page, _("Acknowledge reminder"), "acknowledge");
    snooze_ = button(page, _("Snooze reminder..."), "snooze");
    auto* ledger = button(page, _("Issuance history"), "ledger");
    ledger->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { app_.open_issuance_ledger(); });
    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    for (wxButton* b : {procedure_, record_, issued_, ledger, ack_, snooze_})
        buttons->Add(b, 0, wxRIGHT, FromDIP(6));
    // Named so that tests/gui can read it; hidden while nothing is to record.
    to_record_ = new wxStaticText(page, wxID_ANY, wxString(), wxDefaultPosition, wxDefaultSize, 0,
                                  "to-record");
    to_record_->Hide();
    auto* page_sizer = new wxBoxSizer(wxVERTICAL);
    page_sizer->Add(to_record_, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(6));
    page_sizer->Add(list_, 1, wxEXPAND | wxALL, FromDIP(6));
    page_sizer->Add(buttons, 0, wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(6));
    page->SetSizer(page_sizer);
    notebook_->AddPage(page, _("Passwords and certificates"));

    // --- inventory ---
    auto* inv_page = new wxPanel(notebook_);
    inventory_ = new wxListCtrl(inv_page, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                                wxLC_REPORT | wxLC_SINGLE_SEL, wxDefaultValidator, "inventory");
    const wxString inv_columns[] = {_("Location"),  _("Subject"),    _("Issuer"),
                                    _("Not after"), _("Thumbprint"), _("Tracked as")};
    const int inv_widths[] = {260, 220, 180, 120, 150, 200};
    for (std::size_t i = 0; i < std::size(inv_columns); ++i)
        inventory_->AppendColumn(inv_columns[i], wxLIST_FORMAT_LEFT, FromDIP(inv_widths[i]));
    bind_ = button(inv_page, _("Track as..."), "bind");
    auto* reload = button(inv_page, _("Reload"), "reload");
    inventory_note_ = new wxStaticText(inv_page, wxID_ANY, wxString());
    auto* inv_buttons = new wxBoxSizer(wxHORIZONTAL);
    inv_buttons->Add(bind_, 0, wxRIGHT, FromDIP(6));
    inv_buttons->Add(reload, 0, wxRIGHT, FromDIP(12));
    inv_buttons->Add(inventory_note_, 1, wxALIGN_CENTER_VERTICAL);
    auto* inv_sizer = new wxBoxSizer(wxVERTICAL);
    inv_sizer->Add(inventory_, 1, wxEXPAND | wxALL, FromDIP(6));
    inv_sizer->Add(inv_buttons, 0, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(6));
    inv_page->SetSizer(inv_sizer);
    notebook_->AddPage(inv_page, _("Certificate inventory"));

    auto* sizer = new wxBoxSizer(wxVERTICAL);
    sizer->Add(notebook_, 1, wxEXPAND);
    panel->SetSizer(sizer);
    CreateStatusBar();

    list_->Bind(wxEVT_LIST_COL_CLICK, &StatusFrame::on_column_click, this);
    list_->Bind(wxEVT_LIST_ITEM_SELECTED, [this](wxListEvent&) {
        if (const auto* r = selected()) selected_id_ = r->id;
        update_buttons();
    });
    list_->Bind(wxEVT_LIST_ITEM_DESELECTED, [this](wxListEvent&) { update_buttons(); });
    list_->Bind(wxEVT_LIST_ITEM_ACTIVATED, [this](wxListEvent&) {
        if (const auto* r = selected(); r && !r->procedures.empty())
            app_.open_procedure(r->procedures.front());
    });
    procedure_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (const auto* r = selected(); r && !r->procedures.empty())
            app_.open_procedure(r->procedures.front());
    });
    record_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (const auto* r = selected()) app_.record_change(r->id);
    });
    issued_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (const auto* r = selected()) app_.record_issuance(r->id);
    });
    ack_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (const auto* r = selected(); r && r->active_reminder)
            app_.acknowledge(*r->active_reminder);
    });
    snooze_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (const auto* r = selected(); r && r->active_reminder) app_.snooze(*r->active_reminder);
    });
    inventory_->Bind(wxEVT_LIST_ITEM_SELECTED, [this](wxListEvent&) { update_buttons(); });
    bind_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        if (const auto* c = selected_certificate()) {
            const CertificateView copy = *c;  // the inventory reloads meanwhile
            app_.bind_certificate(copy);
        }
    });
    reload->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { reload_inventory(); });
    notebook_->Bind(wxEVT_NOTEBOOK_PAGE_CHANGED, [this](wxBookCtrlEvent& e) {
        if (e.GetSelection() == 1) reload_inventory();
        e.Skip();
    });
    Bind(wxEVT_CLOSE_WINDOW, &StatusFrame::on_close, this);
    update_buttons();
}

void StatusFrame::on_close(wxCloseEvent& event) {
    // Closing the window only hides it: the tray keeps running.
    if (event.CanVeto()) {
        event.Veto();
        Hide();
        app_.schedule_trim();
        return;
    }
    app_.status_ = nullptr;
    Destroy();
}

void StatusFrame::update(const Snapshot& snapshot) {
    rows_ = snapshot.credentials;
    wxIcon icon;
    icon.CopyFromBitmap(state_bitmap(colour_for(snapshot), 32));
    SetIcon(icon);
    const std::string todo = to_record_label(snapshot);
    to_record_->SetLabel(wxString::FromUTF8(todo));
    if (to_record_->IsShown() != !todo.empty()) {
        to_record_->Show(!todo.empty());
        to_record_->GetParent()->Layout();
    }
    fill_credentials();
    if (!snapshot.working())
        SetStatusText(wxString::FromUTF8(service_down_text()));
    else if (!snapshot.store_banner.empty())
        SetStatusText(wxString::FromUTF8(snapshot.store_banner));
    else
        SetStatusText(wxString::Format(_("Connected to the credwatch service. Updated %s."),
                                       wxDateTime::Now().Format("%H:%M")));
}

void StatusFrame::fill_credentials() {
    sort_rows(rows_, sort_column_, ascending_);
    list_->Freeze();
    list_->DeleteAllItems();
    long select = -1;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        const auto& r = rows_[i];
        const long item = list_->InsertItem(static_cast<long>(i), wx(cell_text(r, kColumns[0])));
        for (std::size_t c = 1; c < kColumns.size(); ++c)
            list_->SetItem(item, static_cast<int>(c), wx(cell_text(r, kColumns[c])));
        if (wxColour bg = row_colour(r.state); bg.IsOk()) list_->SetItemBackgroundColour(item, bg);
        if (r.id == selected_id_) select = item;
    }
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
        wxString title = wx(column_title(kColumns[c]));
        if (kColumns[c] == sort_column_) title += ascending_ ? " ▲" : " ▼";
        wxListItem col;
        col.SetMask(wxLIST_MASK_TEXT);
        col.SetText(title);
        list_->SetColumn(static_cast<int>(c), col);
    }
    if (select >= 0) list_->SetItemState(select, wxLIST_STATE_SELECTED, wxLIST_STATE_SELECTED);
    list_->Thaw();
    update_buttons();
}

void StatusFrame::on_column_click(wxListEvent& event) {
    const int c = event.GetColumn();
    if (c < 0 || c >= kColumnCount) return;
    const Column column = kColumns[static_cast<std::size_t>(c)];
    ascending_ = column == sort_column_ ? !ascending_ : true;
    sort_column_ = column;
    fill_credentials();
}

const CredentialView* StatusFrame::selected() const {
    const long item = list_->GetNextItem(-1, wxLIST_NEXT_ALL, wxLIST_STATE_SELECTED);
    if (item < 0 || static_cast<std::size_t>(item) >= rows_.size()) return nullptr;
    return &rows_[static_cast<std::size_t>(item)];
}

const CertificateView* StatusFrame::selected_certificate() const {
    const long item = inventory_->GetNextItem(-1, wxLIST_NEXT_ALL, wxLIST_STATE_SELECTED);
    if (item < 0 || static_cast<std::size_t>(item) >= certificates_.size()) return nullptr;
    return &certificates_[static_cast<std::size_t>(item)];
}

void StatusFrame::select_credential(const std::string& id) {
    notebook_->SetSelection(0);
    selected_id_ = id;
    for (std::size_t i = 0; i < rows_.size(); ++i)
        if (rows_[i].id == id) {
            list_->SetItemState(static_cast<long>(i), wxLIST_STATE_SELECTED | wxLIST_STATE_FOCUSED,
                                wxLIST_STATE_SELECTED | wxLIST_STATE_FOCUSED);
            list_->EnsureVisible(static_cast<long>(i));
        }
    update_buttons();
}

void StatusFrame::update_buttons() {
    const CredentialView* r = selected();
    const bool connected = app_.snapshot().connected;
    procedure_->Enable(r && !r->procedures.empty());
    record_->Enable(connected && r && r->can_record_change());
    issued_->Enable(connected && r && r->counts_issuances());
    ack_->Enable(connected && r && r->active_reminder);
    snooze_->Enable(connected && r && r->active_reminder);
    const CertificateView* c = selected_certificate();
    bind_->Enable(connected && c && c->tracked_as.empty());
}

void StatusFrame::show_inventory_tab() {
    notebook_->SetSelection(1);
    reload_inventory();
}

void StatusFrame::reload_inventory() {
    auto reply = ServiceConnection::request(app_.options().data_dir, "inventory");
    inventory_->DeleteAllItems();
    certificates_.clear();
    if (!reply || !reply->is_object()) {
        inventory_note_->SetLabel(_("The credwatch service is not reachable; retrying."));
        update_buttons();
        return;
    }
    certificates_ = certificates_from_json(reply->as_object());
    std::size_t untracked = 0;
    for (std::size_t i = 0; i < certificates_.size(); ++i) {
        const auto& c = certificates_[i];
        const long item = inventory_->InsertItem(static_cast<long>(i), wx(c.location));
        inventory_->SetItem(item, 1, wx(c.subject));
        inventory_->SetItem(item, 2, wx(c.issuer));
        inventory_->SetItem(item, 3, wx(date_label(c.not_after)));
        inventory_->SetItem(item, 4, wx(short_thumbprint(c.sha256)));
        inventory_->SetItem(item, 5, c.tracked_as.empty() ? _("(not tracked)") : wx(c.tracked_as));
        if (c.tracked_as.empty()) ++untracked;
    }
    inventory_note_->SetLabel(wxString::Format(_("%d certificates, %d not tracked. Select one and "
                                                 "press \"Track as...\" to follow its expiry."),
                                               static_cast<int>(certificates_.size()),
                                               static_cast<int>(untracked)));
    update_buttons();
}

}  // namespace credwatch::tray
