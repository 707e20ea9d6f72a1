#pragma once
// The 接続チェック window: the checks the service runs, their states and fixes, a 再チェック
// button, and the symptom guide (よくある症状) with the related checks' states.

#include "checks_view.hpp"

#include <wx/wx.h>

#include <wx/listctrl.h>
#include <wx/notebook.h>

#include <atomic>
#include <memory>

namespace credwatch::tray {

class TrayApp;

class ChecksFrame : public wxFrame {
  public:
    explicit ChecksFrame(TrayApp& app);
    ~ChecksFrame() override;
    // Asks the service for the latest results and the guide (off the GUI thread).
    void reload();
    // 再チェック: run_checks, then the list shows the new results.
    void run_again();
    const ChecksView& view() const { return view_; }
    const std::vector<SymptomView>& symptoms() const { return symptoms_; }
    // Requests in flight (the tests wait for 0).
    int pending() const { return pending_; }

  private:
    // `method` off the GUI thread; the reply comes back through on_checks / on_symptoms.
    void fetch(const char* method);
    void on_checks(ChecksView view);
    void on_symptoms(std::vector<SymptomView> symptoms);
    void fill_checks();
    void fill_symptoms();
    void show_check_detail();
    void show_symptom_detail();
    void on_close(wxCloseEvent& event);

    TrayApp& app_;
    // Cleared when the window goes, so that a reply arriving later is dropped.
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
    wxNotebook* notebook_ = nullptr;
    wxStaticText* banner_ = nullptr;
    wxStaticText* last_run_ = nullptr;
    wxListCtrl* checks_ = nullptr;
    wxTextCtrl* check_detail_ = nullptr;
    wxButton* recheck_ = nullptr;
    wxListCtrl* symptom_list_ = nullptr;
    wxTextCtrl* symptom_detail_ = nullptr;
    ChecksView view_;
    std::vector<SymptomView> symptoms_;
    int pending_ = 0;
    bool answered_ = false;  // a checks reply (or its failure) has arrived
};

}  // namespace credwatch::tray
