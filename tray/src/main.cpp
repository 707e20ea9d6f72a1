// credwatch-tray's entry point (the app itself is credwatch_tray_app, shared with tests/gui).

#include "tray_app.hpp"

wxIMPLEMENT_APP(credwatch::tray::TrayApp);
