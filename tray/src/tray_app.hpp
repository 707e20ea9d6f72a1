#pragma once
// credwatch-tray: the application object and its windows.

#include "credwatch/notify/text.hpp"
#include "service_connection.hpp"
#include "tray_model.hpp"

#include <wx/wx.h>

#include <wx/listctrl.h>
#include <wx/notebook.h>
#include <wx/notifmsg.h>
#include <wx/snglinst.h>
#include <wx/taskbar.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>

namespace credwatch::tray {

inline wxString wx(const std::string& utf8) {
    return wxString::FromUTF8(utf8);
}
inline std::string u8(const wxString& s) {
    return std::string(s.utf8_str());
}

// Runs `f` once on the GUI thread after `delay` (a one-shot wxTimer that deletes itself).
inline void call_later(std::chrono::milliseconds delay, std::function<void()> f) {
    auto* timer = new wxTimer;
    timer->Bind(wxEVT_TIMER, [timer, f = std::move(f)](wxTimerEvent&) {
        f();
        wxTheApp->CallAfter([timer] { delete timer; });
    });
    timer->StartOnce(static_cast<int>(delay.count()));
}

// The icon drawn at runtime: a filled circle in the state colour.
wxBitmap state_bitmap(TrayColour colour, int size);

class TrayApp;
class ChecksFrame;

class TrayIcon : public wxTaskBarIcon {
  public:
    explicit TrayIcon(TrayApp& app);
    void update(const Snapshot& snapshot);
    // The menu as the tray shows it (also used by the screenshot mode).
    wxMenu* make_menu();

  protected:
    wxMenu* CreatePopupMenu() override;

  private:
    void add_items(wxMenu& menu, const std::vector<MenuItem>& items);
    void on_menu(wxCommandEvent& event);
    TrayApp& app_;
    std::vector<MenuItem> actions_;  // index = id - wxID_HIGHEST - 1
    TrayColour colour_ = TrayColour::grey;
    std::string tooltip_;
};

class StatusFrame : public wxFrame {
  public:
    explicit StatusFrame(TrayApp& app);
    void update(const Snapshot& snapshot);
    void select_credential(const std::string& id);
    void show_inventory_tab();
    void reload_inventory();

  private:
    void fill_credentials();
    const CredentialView* selected() const;
    const CertificateView* selected_certificate() const;
    void update_buttons();
    void on_column_click(wxListEvent& event);
    void on_close(wxCloseEvent& event);

    TrayApp& app_;
    wxNotebook* notebook_ = nullptr;
    wxListCtrl* list_ = nullptr;
    wxListCtrl* inventory_ = nullptr;
    wxButton *procedure_ = nullptr, *record_ = nullptr, *issued_ = nullptr, *ack_ = nullptr,
             *snooze_ = nullptr, *bind_ = nullptr;
    wxStaticText* inventory_note_ = nullptr;
    wxStaticText* to_record_ = nullptr;  // "記録待ち 6件" above the table
    std::vector<CredentialView> rows_;
    std::vector<CertificateView> certificates_;
    Column sort_column_ = Column::days_left;
    bool ascending_ = true;
    std::string selected_id_;
};

struct Options {
    std::filesystem::path data_dir;
    std::string lang = "auto";
    wxString screenshot_dir;  // hidden: capture the windows and exit
    bool dump_menu = false;   // hidden: print the menu and exit
};

class TrayApp : public wxApp {
  public:
    TrayApp();
    bool OnInit() override;
    int OnExit() override;
    void OnInitCmdLine(wxCmdLineParser& parser) override;
    bool OnCmdLineParsed(wxCmdLineParser& parser) override;
    bool OnExceptionInMainLoop() override;
    void OnUnhandledException() override;

    const Snapshot& snapshot() const { return snapshot_; }
    const Options& options() const { return options_; }
    Lang lang() const { return lang_; }

    // Actions from the menu and the status window.
    void perform(const MenuItem& item);
    void open_status(const std::string& credential = {});
    void open_checks();  // the 接続チェック window (checks_frame.cpp)
    void record_change(const std::string& credential);
    void record_issuance(const std::string& credential);
    void open_procedure(const std::string& procedure);
    void acknowledge(std::int64_t reminder);
    void snooze(std::int64_t reminder);
    void bind_certificate(const CertificateView& certificate);
    void show_settings();
    void quit();
    void start_the_service();
    // A request on a short-lived connection; shows the error to the person on failure.
    std::optional<boost::json::value> request(std::string_view method,
                                              boost::json::object params = {});
    void refresh_now();
    // The issuance ledger window (issuance_ledger_frame.cpp).
    void open_issuance_ledger();
    // Once after the first connected snapshot: the administrator's first-run dialog
    // (first_run_dialog.cpp), then the service certificate candidates (candidate_prompt.cpp).
    void offer_startup_prompts();
    void ask_about_candidates();
    // Shows the first-run dialog when it is due; `then` runs once it is closed. False: not due.
    bool offer_first_run(std::function<void()> then);
    bool startup_prompts_offered() const { return startup_prompts_offered_; }
    // Gives idle pages back a few seconds after start-up, a menu action or a closed window.
    void schedule_trim();
    static constexpr std::chrono::seconds kTrimDelay{5};

  private:
    void on_snapshot(Snapshot snapshot);
    void on_reminder(const ReminderView& reminder, const boost::json::object& row);
    void notify(const ReminderView& reminder, const CredentialView* row);
    void setup_translations();
    void load_shown();
    void save_shown();
    void run_screenshots();
    // --screenshot and --dump-menu: act once on what the tray knows, then exit.
    bool special_mode() const { return !options_.screenshot_dir.empty() || options_.dump_menu; }
    void run_special_mode();

    Options options_;
    Lang lang_ = Lang::en;
    Snapshot snapshot_;
    bool have_snapshot_ = false;
    std::unique_ptr<wxSingleInstanceChecker> single_;
    std::unique_ptr<ServiceConnection> connection_;
    TrayIcon* icon_ = nullptr;
    StatusFrame* status_ = nullptr;
    ChecksFrame* checks_ = nullptr;
    std::set<std::int64_t> shown_;  // reminders already notified (kept in the user's config)
    wxTranslations* translations_ = nullptr;
    std::unique_ptr<wxTimer> trim_timer_;
    std::set<wxNotificationMessage*> notifications_;  // shown and not dismissed yet
    bool startup_prompts_due_ = true, startup_prompts_offered_ = false;
    friend class StatusFrame;
    friend class ChecksFrame;
};

// Dialogs (dialogs.cpp).
void show_procedure_dialog(wxWindow* parent, const ProcedureView& procedure);
// Index into `kinds`, or -1 when cancelled.
int choose_kind_dialog(wxWindow* parent, const CertificateView& certificate,
                       const std::vector<KindView>& kinds);
struct Settings {
    wxString language = "auto";  // auto, ja, en
    bool notifications = true;
};
Settings load_settings();
bool settings_dialog(wxWindow* parent, Settings& settings);
void save_settings(const Settings& settings);

// Certificates this user answered "No" to in the candidate prompt (SHA-256, in wxConfig).
std::set<std::string> declined_candidates();
void decline_candidate(const std::string& sha256);

// Screenshot mode (screenshot.cpp): capture a window or the whole screen into a PNG.
bool capture_window(wxWindow* window, const wxString& path);
bool capture_screen(const wxString& path);
bool save_png(const wxImage& image, const wxString& path);  // with or without wx's PNG handler

}  // namespace credwatch::tray
