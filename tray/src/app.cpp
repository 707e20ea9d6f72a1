// credwatch-tray: the companion in the user's session. A client of the service over the IPC
// (it never opens the database); shows the worst state as the icon's colour, reminders as
// desktop notifications, and the renewal procedures.

#include "credwatch/base/civil_time.hpp"
#include "credwatch/platform/platform.hpp"
#include "tray_app.hpp"

#include "checks_frame.hpp"
#include "start_service.hpp"
#include "working_set.hpp"

#include <wx/cmdline.h>
#include <wx/config.h>
#include <wx/filename.h>
#include <wx/notifmsg.h>
#include <wx/stdpaths.h>
#include <wx/tokenzr.h>
#include <wx/translation.h>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <functional>
#include <iostream>

namespace json = boost::json;

namespace credwatch::tray {

namespace {

wxString credential_name(const CredentialView& row) {
    return wx(row.display_name());
}

Date today() {
    return local_date(std::chrono::system_clock::now());
}

}  // namespace

void TrayApp::OnInitCmdLine(wxCmdLineParser& parser) {
    parser.AddSwitch("h", "help", _("Show this help"), wxCMD_LINE_OPTION_HELP);
    parser.AddOption("", "data-dir", _("Data directory of the service to talk to"));
    parser.AddOption("", "lang", _("ja, en or auto (from the system)"));
    parser.AddOption("", "screenshot", "", wxCMD_LINE_VAL_STRING, wxCMD_LINE_HIDDEN);
    parser.AddSwitch("", "dump-menu", "", wxCMD_LINE_HIDDEN);
    parser.AddSwitch("", "version", _("Show the version"));
    parser.SetSwitchChars("-");
}

bool TrayApp::OnCmdLineParsed(wxCmdLineParser& parser) {
    if (parser.Found("version")) {
        std::cout << "credwatch-tray " << CREDWATCH_VERSION << "\n";
        return false;
    }
    wxString value;
    options_.data_dir = platform::default_data_dir();
    if (parser.Found("data-dir", &value)) options_.data_dir = platform::from_utf8(u8(value));
    if (parser.Found("lang", &value)) options_.lang = u8(value);
    if (parser.Found("screenshot", &value)) options_.screenshot_dir = value;
    options_.dump_menu = parser.Found("dump-menu");
    return true;
}

void TrayApp::setup_translations() {
    translations_ = new wxTranslations;
    wxTranslations::Set(translations_);  // owned by wx from here
    // Next to the executable (build tree, Windows install), then the Linux install prefix.
    const wxFileName exe(wxStandardPaths::Get().GetExecutablePath());
    wxFileTranslationsLoader::AddCatalogLookupPathPrefix(exe.GetPath() + "/locale");
    wxFileTranslationsLoader::AddCatalogLookupPathPrefix(exe.GetPath() + "/../share/locale");
    if (lang_ == Lang::ja) {
        translations_->SetLanguage("ja");
        if (!translations_->AddCatalog("credwatch-tray"))
            spdlog::warn("tray: the Japanese catalog credwatch-tray.mo was not found");
        translations_->AddStdCatalog();  // wx's own strings (OK, Cancel) when installed
    } else {
        translations_->SetLanguage("en");
    }
}

TrayApp::TrayApp() {
#ifdef __WXGTK__
    // GTK would load the OpenGL driver (Mesa: 40+ MB resident) only to pick a visual; the
    // tray draws nothing with GL. A value set by the user wins.
    setenv("GDK_GL", "disable", 0);
#endif
}

bool TrayApp::OnInit() {
    if (!wxApp::OnInit()) return false;
    SetAppName("credwatch-tray");
    SetVendorName("credwatch");
    const Settings settings = load_settings();
    lang_ = resolve_language(options_.lang != "auto" ? options_.lang : u8(settings.language));
    setup_translations();
    wxInitAllImageHandlers();

    if (!special_mode()) {
        // One per user session and data directory (tests run several side by side).
        const std::string dir = platform::to_utf8(options_.data_dir);
        single_ = std::make_unique<wxSingleInstanceChecker>(wxString::Format(
            "credwatch-tray-%s-%zx", wxGetUserId(), std::hash<std::string>{}(dir)));
        if (single_->IsAnotherRunning()) {
            spdlog::info("tray: already running for {}", dir);
            return false;
        }
        load_shown();
    }
    SetExitOnFrameDelete(false);  // lives in the notification area without a window
    icon_ = new TrayIcon(*this);
    icon_->update(snapshot_);

    ServiceConnection::Callbacks cb;
    cb.snapshot = [this](Snapshot s) {
        CallAfter([this, s = std::move(s)]() mutable { on_snapshot(std::move(s)); });
    };
    cb.reminder = [this](ReminderView r, json::object row) {
        CallAfter([this, r = std::move(r), row = std::move(row)] { on_reminder(r, row); });
    };
    connection_ = std::make_unique<ServiceConnection>(options_.data_dir, lang_, std::move(cb));
    connection_->start();

    if (special_mode()) {
        // Give the service 15 s; then go on with whatever the tray shows (grey, offline).
        call_later(std::chrono::seconds(15), [this] { run_special_mode(); });
    }
    return true;
}

void TrayApp::run_special_mode() {
    if (have_snapshot_) return;  // once: the first connected snapshot or the 15 s timeout
    have_snapshot_ = true;
    if (options_.dump_menu) {
        std::cout << dump_menu(build_menu(snapshot_)) << std::flush;
        quit();
    } else {
        run_screenshots();
    }
}

int TrayApp::OnExit() {
    if (connection_) connection_->stop();
    trim_timer_.reset();
    return wxApp::OnExit();
}

bool TrayApp::OnExceptionInMainLoop() {
    try {
        throw;
    } catch (const std::exception& e) {
        spdlog::error("tray: {}", e.what());
        wxMessageBox(wxString::Format(_("Unexpected error: %s"), wx(e.what())), "credwatch",
                     wxOK | wxICON_ERROR);
    } catch (...) {
        spdlog::error("tray: unknown exception");
    }
    return true;  // keep running: the tray is where reminders are seen
}

void TrayApp::OnUnhandledException() {
    spdlog::critical("tray: unhandled exception, exiting");
}

void TrayApp::on_snapshot(Snapshot snapshot) {
    snapshot_ = std::move(snapshot);
    if (icon_) icon_->update(snapshot_);
    if (status_) status_->update(snapshot_);
    if (special_mode()) {
        if (snapshot_.connected) run_special_mode();
        return;
    }
    if (!have_snapshot_) schedule_trim();  // start-up is over
    have_snapshot_ = true;
    if (snapshot_.connected && startup_prompts_due_) {
        startup_prompts_due_ = false;  // the user's certificates have been reported
        CallAfter([this] { offer_startup_prompts(); });
    }
    // Active reminders not yet shown (raised while the tray was not running, or missed).
    for (const auto& r : snapshot_.reminders)
        if (!shown_.count(r.id)) notify(r, find_credential(snapshot_, r.credential));
}

void TrayApp::on_reminder(const ReminderView& reminder, const json::object& row) {
    if (special_mode()) return;
    CredentialView view = credential_from_json(row, lang_);
    notify(reminder, row.empty() ? find_credential(snapshot_, reminder.credential) : &view);
}

void TrayApp::notify(const ReminderView& reminder, const CredentialView* row) {
    if (shown_.count(reminder.id)) return;  // each reminder once
    shown_.insert(reminder.id);
    save_shown();
    if (!load_settings().notifications) return;
    const NotificationText text = notification_text(reminder, row);
    auto* n = new wxNotificationMessage(wx(text.title), wx(text.message));
    n->SetFlags(row && severity(row->state) >= 3 ? wxICON_ERROR : wxICON_WARNING);
#ifdef __WXMSW__
    wxNotificationMessage::UseTaskBarIcon(icon_);  // a balloon from our own icon
#endif
    std::string procedure;
    if (row && !row->procedures.empty()) procedure = row->procedures.front();
    if (!procedure.empty()) n->AddAction(wxID_HIGHEST + 900, _("Open procedure"));
    const std::string credential = reminder.credential;
    n->Bind(wxEVT_NOTIFICATION_MESSAGE_ACTION,
            [this, procedure](wxCommandEvent&) { open_procedure(procedure); });
    n->Bind(wxEVT_NOTIFICATION_MESSAGE_CLICK,
            [this, credential](wxCommandEvent&) { open_status(credential); });
    notifications_.insert(n);
    n->Bind(wxEVT_NOTIFICATION_MESSAGE_DISMISSED, [this, n](wxCommandEvent&) {
        CallAfter([this, n] {
            if (notifications_.erase(n)) delete n;
        });
    });
    if (!n->Show(wxNotificationMessage::Timeout_Never))
        spdlog::warn("tray: the desktop refused the notification for reminder {}", reminder.id);
}

void TrayApp::load_shown() {
    wxString list;
    wxConfigBase::Get()->Read("/Notifications/Shown", &list);
    for (const auto& t : wxSplit(list, ',')) {
        long long id = 0;
        if (t.ToLongLong(&id)) shown_.insert(id);
    }
}

void TrayApp::save_shown() {
    if (special_mode()) return;
    while (shown_.size() > 500) shown_.erase(shown_.begin());  // oldest ids first
    wxArrayString parts;
    for (auto id : shown_) parts.Add(wxString::Format("%lld", static_cast<long long>(id)));
    wxConfigBase::Get()->Write("/Notifications/Shown", wxJoin(parts, ','));
    wxConfigBase::Get()->Flush();
}

void TrayApp::perform(const MenuItem& item) {
    switch (item.action) {
        case MenuAction::none:
            break;
        case MenuAction::open_status:
            open_status();
            break;
        case MenuAction::show_credential:
            open_status(item.argument);
            break;
        case MenuAction::record_change:
            record_change(item.argument);
            break;
        case MenuAction::record_issuance:
            record_issuance(item.argument);
            break;
        case MenuAction::open_procedure:
            open_procedure(item.argument);
            break;
        case MenuAction::settings:
            show_settings();
            break;
        case MenuAction::issuance_ledger:
            open_issuance_ledger();
            break;
        case MenuAction::start_service:
            start_the_service();
            break;
        case MenuAction::open_checks:
            open_checks();
            break;
        case MenuAction::quit:
            quit();
            return;
    }
    schedule_trim();
}

void TrayApp::start_the_service() {
    const StartRequest request = start_service();
    if (request.launched) {
        spdlog::info("tray: asked the OS to start the credwatch service");
        return;
    }
    spdlog::warn("tray: could not start the credwatch service: {}", request.error);
    wxMessageBox(wxString::Format(_("The credwatch service could not be started (%s).\n"
                                    "An administrator can start it with: %s"),
                                  wx(request.error), wx(request.command)),
                 "credwatch", wxOK | wxICON_WARNING);
}

void TrayApp::schedule_trim() {
    if (special_mode()) return;
    if (!trim_timer_) {
        trim_timer_ = std::make_unique<wxTimer>();
        trim_timer_->Bind(wxEVT_TIMER, [this](wxTimerEvent&) {
            if (status_ && status_->IsShown()) return;  // in use; trimmed when it is hidden
            const std::size_t offered = trim_working_set();
            spdlog::debug("tray: offered {} kB of idle pages back to the system", offered / 1024);
        });
    }
    trim_timer_->StartOnce(static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(kTrimDelay).count()));
}

void TrayApp::open_status(const std::string& credential) {
    if (!status_) status_ = new StatusFrame(*this);
    status_->update(snapshot_);
    if (!credential.empty()) status_->select_credential(credential);
    status_->Show();
    status_->Iconize(false);
    status_->Raise();
}

void TrayApp::open_checks() {
    if (!checks_) checks_ = new ChecksFrame(*this);
    checks_->reload();
    checks_->Show();
    checks_->Iconize(false);
    checks_->Raise();
}

std::optional<json::value> TrayApp::request(std::string_view method, json::object params) {
    wxBusyCursor busy;
    auto reply = ServiceConnection::request(options_.data_dir, method, std::move(params));
    if (!reply) {
        wxString message =
            reply.error().code == Errc::service_unavailable
                ? _("The credwatch service is not reachable. Check that it is running.")
                : wxString::Format(_("The service refused the request: %s"),
                                   wx(reply.error().message));
        wxMessageBox(message, "credwatch", wxOK | wxICON_ERROR, status_);
        return std::nullopt;
    }
    return *reply;
}

void TrayApp::refresh_now() {
    auto status = ServiceConnection::request(options_.data_dir, "status");
    if (!status || !status->is_object()) return;
    Snapshot s = snapshot_;
    apply_status(s, status->as_object(), lang_);
    on_snapshot(std::move(s));
}

void TrayApp::record_change(const std::string& id) {
    const CredentialView* row = find_credential(snapshot_, id);
    if (!row) return;
    const wxString question =
        row->rule == Rule::document_age
            ? wxString::Format(_("Record that a new \"%s\" was obtained today (%s)?"),
                               credential_name(*row), wx(date_label(today())))
            : wxString::Format(_("Record that the password \"%s\" was changed today (%s)?\n\n"
                                 "Change it on the system first; credwatch cannot see the change."),
                               credential_name(*row), wx(date_label(today())));
    if (wxMessageBox(question, _("Record a change"), wxYES_NO | wxICON_QUESTION, status_) != wxYES)
        return;
    auto reply = request("record_renewal", {{"credential", id}});
    if (!reply || !reply->is_object()) return;
    const CredentialView after = credential_from_json(reply->as_object(), lang_);
    wxMessageBox(wxString::Format(_("Recorded. Next deadline: %s (%s)."),
                                  wx(date_label(after.deadline_date)), wx(days_left_label(after))),
                 _("Record a change"), wxOK | wxICON_INFORMATION, status_);
    refresh_now();
}

void TrayApp::record_issuance(const std::string& id) {
    const CredentialView* row = find_credential(snapshot_, id);
    if (!row) return;
    const wxString question = wxString::Format(
        _("Record that one more certificate was issued for \"%s\"?\n\nIssued so far: %s. "
          "Deleting a certificate never gives an issuance back."),
        credential_name(*row), wx(issuances_label(*row)));
    if (wxMessageBox(question, _("Record an issuance"), wxYES_NO | wxICON_QUESTION, status_) !=
        wxYES)
        return;
    auto reply = request("record_issuance", {{"credential", id}});
    if (!reply || !reply->is_object()) return;
    const CredentialView after = credential_from_json(reply->as_object(), lang_);
    wxString text = wxString::Format(_("Recorded: %d of %d issuances used."),
                                     after.issued.value_or(0), after.limit.value_or(0));
    if (after.state == State::quota_exhausted)
        text += "\n\n" + _("No issuance is left: call the call centre before the next one.");
    wxMessageBox(text, _("Record an issuance"), wxOK | wxICON_INFORMATION, status_);
    refresh_now();
}

void TrayApp::open_procedure(const std::string& id) {
    const ProcedureView* p = find_procedure(snapshot_, id);
    if (!p) {
        wxMessageBox(_("This procedure is not known yet: the service has not been reached."),
                     "credwatch", wxOK | wxICON_INFORMATION, status_);
        return;
    }
    if (!p->url.empty()) {
        if (!is_web_url(p->url))
            spdlog::warn(
                "tray: not opening the address of procedure {}: only http: and https: "
                "addresses are opened",
                id);
        else if (wxLaunchDefaultBrowser(wx(p->url)))
            return;
    }
    show_procedure_dialog(status_, *p);
}

void TrayApp::acknowledge(std::int64_t reminder) {
    if (request("acknowledge", {{"reminder", reminder}})) refresh_now();
}

void TrayApp::snooze(std::int64_t reminder) {
    const int days[] = {1, 3, 7, 14};
    wxArrayString choices;
    for (int d : days) choices.Add(wxString::Format(wxPLURAL("%d day", "%d days", d), d));
    const int pick =
        wxGetSingleChoiceIndex(_("Hide this reminder for:"), _("Snooze"), choices, 0, status_);
    if (pick < 0) return;
    if (request("snooze", {{"reminder", reminder}, {"days", days[pick]}})) refresh_now();
}

void TrayApp::bind_certificate(const CertificateView& certificate) {
    std::vector<KindView> kinds;
    for (const auto& k : snapshot_.kinds)
        if (k.rule == Rule::certificate_validity) kinds.push_back(k);
    const int pick = choose_kind_dialog(status_, certificate, kinds);
    if (pick < 0) return;
    const KindView& kind = kinds[static_cast<std::size_t>(pick)];
    const std::string me = platform::current_user();
    const std::string owner = kind.per == "user" ? me : "machine";
    std::string credential;
    for (const auto& c : snapshot_.credentials)
        if (c.system == kind.system && c.kind == kind.kind && c.owner == owner) credential = c.id;
    if (credential.empty()) {
        // Not tracked yet: track it (per-user kinds for this user) and then bind.
        credential = kind.system + "/" + kind.kind;
        if (find_credential(snapshot_, credential)) credential += "-" + owner;
        if (!request("add", {{"credential", credential},
                             {"system", kind.system},
                             {"kind", kind.kind},
                             {"owner", owner}}))
            return;
    }
    if (!request("bind", {{"sha256", certificate.sha256}, {"credential", credential}})) return;
    wxMessageBox(wxString::Format(_("The certificate is now tracked as %s."), wx(credential)),
                 "credwatch", wxOK | wxICON_INFORMATION, status_);
    refresh_now();
    if (status_) status_->reload_inventory();
}

void TrayApp::show_settings() {
    Settings s = load_settings();
    const wxString before = s.language;
    if (!settings_dialog(status_, s)) return;
    save_settings(s);
    if (s.language != before)
        wxMessageBox(_("The language changes the next time credwatch-tray starts."), "credwatch",
                     wxOK | wxICON_INFORMATION, status_);
}

void TrayApp::quit() {
    if (connection_) connection_->stop();
    // Notifications still showing go first: on Windows their balloons belong to the icon.
    for (wxNotificationMessage* n : notifications_) {
        n->Close();
        delete n;
    }
    notifications_.clear();
#ifdef __WXMSW__
    wxNotificationMessage::UseTaskBarIcon(nullptr);
#endif
    if (icon_) {
        icon_->RemoveIcon();
        icon_->Destroy();
        icon_ = nullptr;
    }
    if (status_) {
        status_->Destroy();
        status_ = nullptr;
    }
    if (checks_) {
        checks_->Destroy();
        checks_ = nullptr;
    }
    ExitMainLoop();
}

}  // namespace credwatch::tray
