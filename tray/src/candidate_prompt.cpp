// The service certificate candidate prompt: after the tray's first report of the user's
// certificates, each certificate the service offers for a kind whose certificate the catalog
// cannot describe is shown once: "Is this the Service certificate?". Yes binds it (the service
// learns the kind's match from it); No is remembered for this user and never asked again;
// Later asks again at the next start. Non-modal, one at a time: the tray keeps working.

#include "credwatch/platform/platform.hpp"
#include "tray_app.hpp"

#include <wx/config.h>
#include <wx/tokenzr.h>

#include <spdlog/spdlog.h>

#include <deque>

namespace json = boost::json;

namespace credwatch::tray {

namespace {

constexpr const char* kDeclinedKey = "/Candidates/Declined";

void answer_next(TrayApp& app, std::shared_ptr<std::deque<CandidateView>> queue);

// The credential a kind's certificate is tracked by for this user: the existing one, or one
// added now (per-user kinds for the logged-on user, machine kinds for the machine).
std::optional<std::string> credential_for(TrayApp& app, const CandidateView& candidate) {
    std::string per = "machine";
    for (const auto& k : app.snapshot().kinds)
        if (k.system == candidate.system && k.kind == candidate.kind) per = k.per;
    const std::string owner = per == "user" ? platform::current_user() : "machine";
    for (const auto& c : app.snapshot().credentials)
        if (c.system == candidate.system && c.kind == candidate.kind && c.owner == owner)
            return c.id;
    std::string id = candidate.system + "/" + candidate.kind;
    if (find_credential(app.snapshot(), id)) id += "-" + owner;
    if (!app.request("add", {{"credential", id},
                             {"system", candidate.system},
                             {"kind", candidate.kind},
                             {"owner", owner}}))
        return std::nullopt;
    return id;
}

class CandidatePrompt : public wxDialog {
  public:
    CandidatePrompt(TrayApp& app, CandidateView candidate,
                    std::shared_ptr<std::deque<CandidateView>> queue)
        : wxDialog(nullptr, wxID_ANY, "credwatch", wxDefaultPosition, wxDefaultSize,
                   wxDEFAULT_DIALOG_STYLE, "candidate-prompt"),
          app_(app),
          candidate_(std::move(candidate)),
          queue_(std::move(queue)) {
        auto* sizer = new wxBoxSizer(wxVERTICAL);
        auto* question = new wxStaticText(this, wxID_ANY, wx(candidate_question(candidate_)),
                                          wxDefaultPosition, wxDefaultSize, 0, "question");
        question->SetFont(question->GetFont().Bold());
        sizer->Add(question, 0, wxALL, FromDIP(10));
        const auto line = [&](const wxString& text, const char* name) {
            auto* t =
                new wxStaticText(this, wxID_ANY, text, wxDefaultPosition, wxDefaultSize, 0, name);
            t->Wrap(FromDIP(520));
            sizer->Add(t, 0, wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(10));
        };
        line(wxString::Format(_("Subject: %s"), wx(candidate_.subject)), "subject");
        line(wxString::Format(_("Issuer: %s"), wx(candidate_.issuer)), "issuer");
        line(wx(candidate_validity(candidate_)), "validity");
        auto* buttons = new wxBoxSizer(wxHORIZONTAL);
        const auto button = [&](const wxString& label, const char* name) {
            auto* b = new wxButton(this, wxID_ANY, label, wxDefaultPosition, wxDefaultSize, 0,
                                   wxDefaultValidator, name);
            buttons->Add(b, 0, wxRIGHT, FromDIP(6));
            return b;
        };
        button(_("Yes, this is it"), "yes")->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
            confirm();
        });
        button(_("No"), "no")->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
            decline_candidate(candidate_.sha256);
            finish();
        });
        button(_("Later"), "later")->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { finish(); });
        sizer->Add(buttons, 0, wxALL, FromDIP(10));
        SetSizerAndFit(sizer);
        Bind(wxEVT_CLOSE_WINDOW, [this](wxCloseEvent&) { finish(); });  // as Later
        CentreOnScreen();
    }

  private:
    void confirm() {
        const auto credential = credential_for(app_, candidate_);
        if (!credential) return;  // the service's refusal was shown; the question stays
        if (!app_.request("bind", {{"sha256", candidate_.sha256}, {"credential", *credential}}))
            return;
        app_.refresh_now();
        queue_->clear();  // the kind has its match now: the other candidates are not asked
        finish();
    }
    void finish() {
        if (done_) return;
        done_ = true;
        Hide();
        auto queue = queue_;
        TrayApp& app = app_;
        wxTheApp->CallAfter([&app, queue] { answer_next(app, queue); });
        Destroy();
    }

    TrayApp& app_;
    CandidateView candidate_;
    std::shared_ptr<std::deque<CandidateView>> queue_;
    bool done_ = false;
};

void answer_next(TrayApp& app, std::shared_ptr<std::deque<CandidateView>> queue) {
    const std::set<std::string> declined = declined_candidates();
    while (!queue->empty() && declined.count(queue->front().sha256)) queue->pop_front();
    if (queue->empty()) return;
    CandidateView next = queue->front();
    queue->pop_front();
    auto* prompt = new CandidatePrompt(app, std::move(next), queue);
    prompt->Show();
    prompt->Raise();
}

}  // namespace

std::set<std::string> declined_candidates() {
    wxString list;
    wxConfigBase::Get()->Read(kDeclinedKey, &list);
    std::set<std::string> out;
    for (const auto& t : wxSplit(list, ','))
        if (!t.empty()) out.insert(u8(t));
    return out;
}

void decline_candidate(const std::string& sha256) {
    std::set<std::string> declined = declined_candidates();
    declined.insert(sha256);
    wxArrayString parts;
    for (const auto& d : declined) parts.Add(wx(d));
    wxConfigBase::Get()->Write(kDeclinedKey, wxJoin(parts, ','));
    wxConfigBase::Get()->Flush();
}

void TrayApp::ask_about_candidates() {
    auto reply = ServiceConnection::request(options_.data_dir, "candidates");
    if (!reply || !reply->is_object()) {
        spdlog::warn("tray: asking for service certificate candidates failed: {}",
                     reply ? "not an object" : reply.error().message);
        return;
    }
    auto queue = std::make_shared<std::deque<CandidateView>>();
    for (auto& c : candidates_from_json(reply->as_object(), lang_)) queue->push_back(std::move(c));
    answer_next(*this, queue);
}

void TrayApp::offer_startup_prompts() {
    // The administrator's first-run dialog first; the candidates when it is closed (one window
    // at a time, so neither hides the other).
    if (!offer_first_run([this] { ask_about_candidates(); })) ask_about_candidates();
    startup_prompts_offered_ = true;
}

}  // namespace credwatch::tray
