#pragma once
// Starting the credwatch service from the tray when it is down: the OS asks for an
// administrator's consent (Windows UAC through "runas"; polkit's pkexec on Linux).

#include <string>

namespace credwatch::tray {

struct StartRequest {
    bool launched = false;
    std::string error;    // why it could not be launched (empty when launched)
    std::string command;  // what an administrator can run by hand
};

// Launches the start command and returns at once; the tray sees the service come back through
// its usual reconnects.
StartRequest start_service();

}  // namespace credwatch::tray
