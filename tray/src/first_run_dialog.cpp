// The administrator's first-run dialog: which of the catalog's systems this site uses, and what
// is known already (the last password change of each password, the certificates issued so
// far). OK sends set_systems (the service edits its site file and reloads), then the dates and
// the count. Shown once per user: to an administrator, while the site has chosen no systems.

#include "credwatch/base/civil_time.hpp"
#include "tray_app.hpp"

#include <wx/config.h>
#include <wx/scrolwin.h>

#include <spdlog/spdlog.h>

#include <map>

namespace json = boost::json;

namespace credwatch::tray {

namespace {

constexpr const char* kAskedKey = "/FirstRun/SystemsAsked";

class FirstRunDialog : public wxDialog {
  public:
    FirstRunDialog(TrayApp& app, std::function<void()> then)
        : wxDialog(nullptr, wxID_ANY, _("credwatch: the systems of this site"), wxDefaultPosition,
                   wxDefaultSize, wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER, "first-run"),
          app_(app),
          then_(std::move(then)) {
        auto* sizer = new wxBoxSizer(wxVERTICAL);
        sizer->Add(new wxStaticText(this, wxID_ANY,
                                    _("Which systems does this clinic use? credwatch tracks "
                                      "their passwords and certificates.")),
                   0, wxALL, FromDIP(10));
        auto* scroll = new wxScrolledWindow(this, wxID_ANY);
        scroll->SetScrollRate(0, FromDIP(10));
        auto* inner = new wxBoxSizer(wxVERTICAL);
        const Snapshot& snapshot = app_.snapshot();
        for (const SystemView& system : snapshot.systems) {
            auto* box =
                new wxCheckBox(scroll, wxID_ANY, wx(system.name), wxDefaultPosition, wxDefaultSize,
                               0, wxDefaultValidator, wx("system:" + system.id));
            box->SetFont(box->GetFont().Bold());
            systems_[system.id] = box;
            inner->Add(box, 0, wxTOP | wxLEFT | wxRIGHT, FromDIP(8));
            if (!system.description.empty()) {
                auto* text = new wxStaticText(scroll, wxID_ANY, wx(system.description));
                text->Wrap(FromDIP(560));
                inner->Add(text, 0, wxLEFT | wxRIGHT, FromDIP(28));
            }
            auto* fields = new wxFlexGridSizer(2, FromDIP(4), FromDIP(8));
            for (const CredentialView& c : snapshot.credentials) {
                if (c.system != system.id) continue;
                if (c.rule == Rule::password_rotation) {
                    fields->Add(
                        new wxStaticText(scroll, wxID_ANY,
                                         wxString::Format(_("Last change of \"%s\" (YYYY-MM-DD):"),
                                                          wx(c.display_name()))),
                        0, wxALIGN_CENTER_VERTICAL);
                    auto* field =
                        new wxTextCtrl(scroll, wxID_ANY, wxString(), wxDefaultPosition,
                                       wxDefaultSize, 0, wxDefaultValidator, wx("changed:" + c.id));
                    field->SetHint(_("optional"));
                    fields->Add(field);
                    changed_.push_back({system.id, c.id, c.display_name(), field});
                } else if (c.counts_issuances()) {
                    fields->Add(
                        new wxStaticText(scroll, wxID_ANY,
                                         wxString::Format(_("Certificates issued so far (\"%s\"):"),
                                                          wx(c.display_name()))),
                        0, wxALIGN_CENTER_VERTICAL);
                    auto* field =
                        new wxTextCtrl(scroll, wxID_ANY, wxString(), wxDefaultPosition,
                                       wxDefaultSize, 0, wxDefaultValidator, wx("issued:" + c.id));
                    field->SetHint(_("optional"));
                    fields->Add(field);
                    issued_.push_back({system.id, c.id, c.display_name(), field});
                }
            }
            inner->Add(fields, 0, wxLEFT | wxTOP, FromDIP(28));
        }
        scroll->SetSizer(inner);
        scroll->FitInside();
        scroll->SetMinSize(FromDIP(wxSize(640, 420)));
        sizer->Add(scroll, 1, wxEXPAND | wxLEFT | wxRIGHT, FromDIP(10));
        auto* buttons = new wxBoxSizer(wxHORIZONTAL);
        auto* ok = new wxButton(this, wxID_OK, wxEmptyString, wxDefaultPosition, wxDefaultSize, 0,
                                wxDefaultValidator, "ok");
        auto* later = new wxButton(this, wxID_ANY, _("Not now"), wxDefaultPosition, wxDefaultSize,
                                   0, wxDefaultValidator, "not-now");
        buttons->Add(ok, 0, wxRIGHT, FromDIP(6));
        buttons->Add(later);
        sizer->Add(buttons, 0, wxALL, FromDIP(10));
        ok->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { apply(); });
        later->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { finish(); });
        Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent&) { finish(); });
        SetSizerAndFit(sizer);
        CentreOnScreen();
    }

  private:
    struct Field {
        std::string system, credential, name;
        wxTextCtrl* control;
    };

    bool chosen(const std::string& system) const {
        auto it = systems_.find(system);
        return it != systems_.end() && it->second->GetValue();
    }

    void refuse(const wxString& text) {
        wxMessageBox(text, "credwatch", wxOK | wxICON_WARNING, this);
    }

    void apply() {
        json::array ids;
        for (const auto& [id, box] : systems_)
            if (box->GetValue()) ids.emplace_back(id);
        if (ids.empty()) return refuse(_("Choose at least one system."));
        // Everything is checked before anything is sent.
        std::vector<std::pair<std::string, Date>> dates;
        for (const Field& f : changed_) {
            const std::string text = u8(f.control->GetValue().Trim().Trim(false));
            if (text.empty() || !chosen(f.system)) continue;
            auto date = parse_date(text);
            if (!date)
                return refuse(wxString::Format(_("\"%s\": %s is not a date (YYYY-MM-DD)."),
                                               wx(f.name), wx(text)));
            dates.emplace_back(f.credential, *date);
        }
        std::vector<std::pair<std::string, long>> counts;
        for (const Field& f : issued_) {
            const wxString text = f.control->GetValue().Trim().Trim(false);
            if (text.empty() || !chosen(f.system)) continue;
            long n = -1;
            if (!text.ToLong(&n) || n < 0 || n > 1000)
                return refuse(wxString::Format(_("\"%s\": %s is not a number of certificates."),
                                               wx(f.name), text));
            counts.emplace_back(f.credential, n);
        }
        if (!app_.request("set_systems", {{"systems", std::move(ids)}})) return;
        for (const auto& [credential, date] : dates)
            if (!app_.request("record_renewal",
                              {{"credential", credential}, {"on", format_date(date)}}))
                return;
        for (const auto& [credential, n] : counts)
            if (n > 0 && !app_.request(
                             "record_issuance",
                             {{"credential", credential}, {"total", static_cast<std::int64_t>(n)}}))
                return;
        app_.refresh_now();
        finish();
    }

    void finish() {
        if (done_) return;
        done_ = true;
        Hide();
        if (then_) wxTheApp->CallAfter(then_);
        Destroy();
    }

    TrayApp& app_;
    std::function<void()> then_;
    std::map<std::string, wxCheckBox*> systems_;
    std::vector<Field> changed_, issued_;
    bool done_ = false;
};

}  // namespace

bool TrayApp::offer_first_run(std::function<void()> then) {
    bool asked = false;
    wxConfigBase::Get()->Read(kAskedKey, &asked, false);
    if (asked || snapshot_.site_systems || snapshot_.systems.empty()) return false;
    auto hello = ServiceConnection::request(options_.data_dir, "hello");
    if (!hello || !hello->is_object()) return false;
    const auto* privileged = hello->as_object().if_contains("privileged");
    if (!privileged || !privileged->is_bool() || !privileged->as_bool()) return false;
    // Asked once: an administrator who answers "Not now" uses `credwatch systems set` later.
    wxConfigBase::Get()->Write(kAskedKey, true);
    wxConfigBase::Get()->Flush();
    auto* dialog = new FirstRunDialog(*this, std::move(then));
    dialog->Show();
    dialog->Raise();
    return true;
}

}  // namespace credwatch::tray
