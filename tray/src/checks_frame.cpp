// The 接続チェック window (docs/doctor.md): what the service's own checks found, with the fix
// and the manual for each problem, a 再チェック button (the session's checks reported, then
// run_checks), and the symptom guide.
// Requests run on a short-lived thread each: a check run can take seconds, and the tray's
// window must not freeze meanwhile.

#include "checks_frame.hpp"

#include "service_connection.hpp"
#include "tray_app.hpp"

#include <spdlog/spdlog.h>

#include <thread>

namespace credwatch::tray {

namespace {

wxColour background(CheckState state) {
    switch (check_state_colour(state)) {
        case TrayColour::red:
            return wxColour(0xfd, 0xe0, 0xe0);
        case TrayColour::amber:
            return wxColour(0xff, 0xf1, 0xd0);
        case TrayColour::grey:
            return wxColour(0xee, 0xee, 0xee);
        default:
            return wxNullColour;
    }
}

wxStaticText* named_text(wxWindow* parent, const char* name) {
    return new wxStaticText(parent, wxID_ANY, wxString(), wxDefaultPosition, wxDefaultSize, 0,
                            name);
}

wxTextCtrl* detail_box(wxWindow* parent, const char* name) {
    return new wxTextCtrl(parent, wxID_ANY, wxString(), wxDefaultPosition, wxDefaultSize,
                          wxTE_MULTILINE | wxTE_READONLY | wxTE_WORDWRAP, wxDefaultValidator, name);
}

// 再チェック: this session's own checks, then the service's run of the machine's.
Result<boost::json::value> check_again(const std::filesystem::path& dir) {
    auto client = IpcClient::connect(dir, std::chrono::seconds(5));
    if (!client) return client.error();
    if (auto reported = run_and_report_session_checks(**client); !reported)
        spdlog::warn("tray: reporting the session's checks failed: {}", reported.error().message);
    return (*client)->call("run_checks", {{"client", "tray"}}, std::chrono::seconds(30));
}

}  // namespace

ChecksFrame::ChecksFrame(TrayApp& app)
    : wxFrame(nullptr, wxID_ANY, _("credwatch: connection checks"), wxDefaultPosition,
              wxSize(1060, 560)),
      app_(app) {
    auto* panel = new wxPanel(this);
    // Widgets carry names so that tests/gui can find and click them.
    notebook_ =
        new wxNotebook(panel, wxID_ANY, wxDefaultPosition, wxDefaultSize, 0, "checks-pages");

    // --- the checks ---
    auto* page = new wxPanel(notebook_);
    banner_ = named_text(page, "checks-banner");
    banner_->SetForegroundColour(wxColour(0x80, 0x80, 0x80));
    last_run_ = named_text(page, "checks-last-run");
    checks_ = new wxListCtrl(page, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                             wxLC_REPORT | wxLC_SINGLE_SEL, wxDefaultValidator, "checks");
    const wxString columns[] = {_("State"), _("Check"), _("Found"), _("What to do"), _("Manual")};
    const int widths[] = {90, 300, 260, 260, 160};
    for (std::size_t i = 0; i < std::size(columns); ++i)
        checks_->AppendColumn(columns[i], wxLIST_FORMAT_LEFT, FromDIP(widths[i]));
    check_detail_ = detail_box(page, "check-detail");
    // TRANSLATORS: the button that runs the connection checks again. Japanese: 再チェック
    recheck_ = new wxButton(page, wxID_ANY, _("Check again"), wxDefaultPosition, wxDefaultSize, 0,
                            wxDefaultValidator, "recheck");
    auto* top = new wxBoxSizer(wxHORIZONTAL);
    top->Add(last_run_, 1, wxALIGN_CENTER_VERTICAL);
    top->Add(recheck_, 0);
    auto* sizer = new wxBoxSizer(wxVERTICAL);
    sizer->Add(banner_, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, FromDIP(6));
    sizer->Add(top, 0, wxEXPAND | wxALL, FromDIP(6));
    sizer->Add(checks_, 3, wxEXPAND | wxLEFT | wxRIGHT, FromDIP(6));
    sizer->Add(check_detail_, 1, wxEXPAND | wxALL, FromDIP(6));
    page->SetSizer(sizer);
    notebook_->AddPage(page, _("Connection checks"));

    // --- the symptom guide ---
    auto* guide = new wxPanel(notebook_);
    symptom_list_ = new wxListCtrl(guide, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                                   wxLC_REPORT | wxLC_SINGLE_SEL, wxDefaultValidator, "symptoms");
    const wxString guide_columns[] = {_("Message on the screen"), _("What to do"),
                                      _("Related checks"), _("Manual")};
    const int guide_widths[] = {330, 380, 200, 160};
    for (std::size_t i = 0; i < std::size(guide_columns); ++i)
        symptom_list_->AppendColumn(guide_columns[i], wxLIST_FORMAT_LEFT, FromDIP(guide_widths[i]));
    symptom_detail_ = detail_box(guide, "symptom-detail");
    auto* guide_sizer = new wxBoxSizer(wxVERTICAL);
    guide_sizer->Add(symptom_list_, 3, wxEXPAND | wxALL, FromDIP(6));
    guide_sizer->Add(symptom_detail_, 1, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(6));
    guide->SetSizer(guide_sizer);
    // TRANSLATORS: the tab of the symptom guide. Japanese: よくある症状
    notebook_->AddPage(guide, _("Common symptoms"));

    auto* frame_sizer = new wxBoxSizer(wxVERTICAL);
    frame_sizer->Add(notebook_, 1, wxEXPAND);
    panel->SetSizer(frame_sizer);

    recheck_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { run_again(); });
    checks_->Bind(wxEVT_LIST_ITEM_SELECTED, [this](wxListEvent&) { show_check_detail(); });
    symptom_list_->Bind(wxEVT_LIST_ITEM_SELECTED, [this](wxListEvent&) { show_symptom_detail(); });
    Bind(wxEVT_CLOSE_WINDOW, &ChecksFrame::on_close, this);
    fill_checks();
}

ChecksFrame::~ChecksFrame() {
    alive_->store(false);
}

void ChecksFrame::on_close(wxCloseEvent& event) {
    // Closing only hides it, like the status window.
    if (event.CanVeto()) {
        event.Veto();
        Hide();
        app_.schedule_trim();
        return;
    }
    app_.checks_ = nullptr;
    Destroy();
}

void ChecksFrame::reload() {
    fetch("checks");
    fetch("symptoms");
}

void ChecksFrame::run_again() {
    view_.running = true;
    recheck_->Disable();
    last_run_->SetLabel(wx(last_run_label(view_)));
    fetch("run_checks");
}

void ChecksFrame::fetch(const char* method) {
    ++pending_;
    std::thread([this, alive = alive_, dir = app_.options().data_dir, lang = app_.lang(),
                 method = std::string(method)] {
        auto reply =
            method == "run_checks" ? check_again(dir) : ServiceConnection::request(dir, method);
        if (!alive->load()) return;
        wxTheApp->CallAfter([this, alive, lang, method, reply = std::move(reply)] {
            if (!alive->load()) return;
            --pending_;
            if (!reply || !reply->is_object()) {
                const std::string why = reply ? "not an object" : reply.error().message;
                spdlog::warn("tray: {} failed: {}", method, why);
                if (method == "symptoms") return;  // the checks' banner says it
                ChecksView down;
                down.error = why;
                on_checks(std::move(down));
                return;
            }
            if (method == "symptoms")
                on_symptoms(symptoms_from_json(reply->as_object(), lang));
            else
                on_checks(checks_from_json(reply->as_object(), lang));
        });
    }).detach();
}

void ChecksFrame::on_checks(ChecksView view) {
    answered_ = true;
    view_ = std::move(view);
    fill_checks();
    fill_symptoms();  // the related checks' states changed
}

void ChecksFrame::on_symptoms(std::vector<SymptomView> symptoms) {
    symptoms_ = std::move(symptoms);
    fill_symptoms();
}

void ChecksFrame::fill_checks() {
    // Nothing to say before the service's first answer (not "not reachable" for a moment).
    const std::string banner = answered_ ? checks_banner(view_) : std::string();
    banner_->SetLabel(wx(banner));
    banner_->Show(!banner.empty());
    last_run_->SetLabel(view_.connected ? wx(last_run_label(view_)) : wxString());
    recheck_->Enable(view_.connected && !view_.running);
    checks_->DeleteAllItems();
    checks_->Enable(view_.connected);
    for (const auto& c : view_.checks) {
        const long item =
            checks_->InsertItem(checks_->GetItemCount(), wx(check_state_label(c.state)));
        checks_->SetItem(item, 1, wx(c.title));
        checks_->SetItem(item, 2, wx(c.evidence));
        if (c.shows_fix()) {
            checks_->SetItem(item, 3, wx(c.fix));
            checks_->SetItem(item, 4, wx(c.manual));
        }
        // Grey for every row while the service is not reached: the states are not current.
        const wxColour bg =
            view_.connected ? background(c.state) : background(CheckState::cannot_check);
        if (bg.IsOk()) checks_->SetItemBackgroundColour(item, bg);
    }
    check_detail_->Clear();
    Layout();
    if (auto* page = checks_->GetParent()) page->Layout();
}

void ChecksFrame::fill_symptoms() {
    symptom_list_->DeleteAllItems();
    for (const auto& s : symptoms_) {
        const long item = symptom_list_->InsertItem(symptom_list_->GetItemCount(), wx(s.message));
        symptom_list_->SetItem(item, 1, wx(s.what_to_do));
        symptom_list_->SetItem(item, 2, wx(related_checks_label(s, view_)));
        symptom_list_->SetItem(item, 3, wx(s.manual));
        for (const auto& path : s.checks)
            if (const CheckView* c = find_check(view_, path);
                c && view_.connected && c->state == CheckState::failed)
                symptom_list_->SetItemBackgroundColour(item, background(CheckState::failed));
    }
    symptom_detail_->Clear();
}

void ChecksFrame::show_check_detail() {
    const long item = checks_->GetNextItem(-1, wxLIST_NEXT_ALL, wxLIST_STATE_SELECTED);
    if (item < 0 || item >= static_cast<long>(view_.checks.size())) return;
    const CheckView& c = view_.checks[static_cast<std::size_t>(item)];
    std::string text = check_state_label(c.state) + "  " + c.title + "\n" + c.evidence;
    if (c.shows_fix()) {
        text += "\n\n" + u8(_("What to do: ")) + c.fix + "\n" + u8(_("Manual: ")) + c.manual;
        if (!c.failing_since_utc.empty())
            text += "\n" + u8(wxString::Format(_("Failing since %s"),
                                               wx(local_time_label(c.failing_since_utc))));
    }
    check_detail_->SetValue(wx(text));
}

void ChecksFrame::show_symptom_detail() {
    const long item = symptom_list_->GetNextItem(-1, wxLIST_NEXT_ALL, wxLIST_STATE_SELECTED);
    if (item < 0 || item >= static_cast<long>(symptoms_.size())) return;
    const SymptomView& s = symptoms_[static_cast<std::size_t>(item)];
    std::string text = s.message + "\n\n" + u8(_("What to do: ")) + s.what_to_do + "\n" +
                       u8(_("Manual: ")) + s.manual;
    if (!s.checks.empty())
        text += "\n" + u8(_("Related checks: ")) + related_checks_label(s, view_);
    symptom_detail_->SetValue(wx(text));
}

}  // namespace credwatch::tray
