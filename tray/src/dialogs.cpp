// Dialogs: a renewal procedure (steps, call centre), choosing the kind a certificate is tracked
// as, and the settings.

#include "tray_app.hpp"

#include <wx/config.h>
#include <wx/radiobox.h>

namespace credwatch::tray {

void show_procedure_dialog(wxWindow* parent, const ProcedureView& procedure) {
    wxDialog dialog(parent, wxID_ANY, wx(procedure.title), wxDefaultPosition, wxDefaultSize,
                    wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER);
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    auto* title = new wxStaticText(&dialog, wxID_ANY, wx(procedure.title));
    title->SetFont(title->GetFont().Bold().Larger());
    sizer->Add(title, 0, wxALL, dialog.FromDIP(10));
    auto* text = new wxTextCtrl(&dialog, wxID_ANY, wx(procedure_text(procedure)), wxDefaultPosition,
                                dialog.FromDIP(wxSize(560, 300)),
                                wxTE_MULTILINE | wxTE_READONLY | wxTE_AUTO_URL | wxTE_RICH2);
    sizer->Add(text, 1, wxEXPAND | wxLEFT | wxRIGHT, dialog.FromDIP(10));
    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    if (is_web_url(procedure.url)) {
        auto* open = new wxButton(&dialog, wxID_ANY, _("Open web page"));
        const wxString url = wx(procedure.url);
        open->Bind(wxEVT_BUTTON, [url](wxCommandEvent&) { wxLaunchDefaultBrowser(url); });
        buttons->Add(open, 0, wxRIGHT, dialog.FromDIP(6));
    }
    buttons->Add(new wxButton(&dialog, wxID_OK, _("Close")));
    sizer->Add(buttons, 0, wxALIGN_RIGHT | wxALL, dialog.FromDIP(10));
    dialog.SetSizerAndFit(sizer);
    dialog.ShowModal();
}

int choose_kind_dialog(wxWindow* parent, const CertificateView& certificate,
                       const std::vector<KindView>& kinds) {
    if (kinds.empty()) {
        wxMessageBox(_("The catalog has no certificate kinds to track."), "credwatch",
                     wxOK | wxICON_INFORMATION, parent);
        return -1;
    }
    wxArrayString names;
    for (const auto& k : kinds) names.Add(wx(k.name));
    const wxString message =
        wxString::Format(_("Track this certificate as:\n\n%s\n%s: %s"), wx(certificate.subject),
                         _("Not after"), wx(date_label(certificate.not_after)));
    return wxGetSingleChoiceIndex(message, _("Track a certificate"), names, 0, parent);
}

Settings load_settings() {
    Settings s;
    auto* config = wxConfigBase::Get();
    config->Read("/Settings/Language", &s.language, "auto");
    config->Read("/Settings/Notifications", &s.notifications, true);
    return s;
}

void save_settings(const Settings& s) {
    auto* config = wxConfigBase::Get();
    config->Write("/Settings/Language", s.language);
    config->Write("/Settings/Notifications", s.notifications);
    config->Flush();
}

bool settings_dialog(wxWindow* parent, Settings& settings) {
    wxDialog dialog(parent, wxID_ANY, _("credwatch settings"));
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    const wxString codes[] = {"auto", "ja", "en"};
    const wxString languages[] = {_("Same as the system"), wxString::FromUTF8("日本語"), "English"};
    auto* language = new wxRadioBox(&dialog, wxID_ANY, _("Language"), wxDefaultPosition,
                                    wxDefaultSize, 3, languages, 1);
    for (int i = 0; i < 3; ++i)
        if (settings.language == codes[i]) language->SetSelection(i);
    auto* notifications =
        new wxCheckBox(&dialog, wxID_ANY, _("Show a notification for each reminder"));
    notifications->SetValue(settings.notifications);
    sizer->Add(language, 0, wxEXPAND | wxALL, dialog.FromDIP(10));
    sizer->Add(notifications, 0, wxLEFT | wxRIGHT, dialog.FromDIP(10));
    sizer->Add(dialog.CreateStdDialogButtonSizer(wxOK | wxCANCEL), 0, wxEXPAND | wxALL,
               dialog.FromDIP(10));
    dialog.SetSizerAndFit(sizer);
    if (dialog.ShowModal() != wxID_OK) return false;
    settings.language = codes[language->GetSelection()];
    settings.notifications = notifications->GetValue();
    return true;
}

}  // namespace credwatch::tray
