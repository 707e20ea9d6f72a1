#pragma once
// The tray's link to the service: a background thread that owns a subscribed IpcClient,
// keeps a Snapshot (status + catalog) current, and hands copies to the GUI thread. It waits on
// the socket for pushed events ("reminder", "status-changed") and asks for the status at most
// once a minute when nothing happens; when the service is down it says so and retries.

#include "credwatch/ipc/ipc_client.hpp"
#include "credwatch/notify/text.hpp"
#include "tray_model.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace credwatch::tray {

class ServiceConnection {
  public:
    struct Callbacks {
        // Called on the background thread; implementations post to the GUI thread.
        std::function<void(Snapshot)> snapshot;
        std::function<void(ReminderView, boost::json::object row)> reminder;
    };
    ServiceConnection(std::filesystem::path data_dir, Lang lang, Callbacks callbacks);
    ~ServiceConnection();
    ServiceConnection(const ServiceConnection&) = delete;
    ServiceConnection& operator=(const ServiceConnection&) = delete;

    void start();
    // Stops delivering at once; the thread ends at its next wake-up (it is detached, so quitting
    // never waits for a blocked read).
    void stop();

    // One request on a short-lived connection (GUI actions). Adds "client": "tray".
    [[nodiscard]] static Result<boost::json::value> request(const std::filesystem::path& data_dir,
                                                            std::string_view method,
                                                            boost::json::object params = {});

    static constexpr std::chrono::seconds kIdlePoll{60};

  private:
    struct Shared;
    static void run(std::shared_ptr<Shared> shared);
    std::shared_ptr<Shared> shared_;
};

// Reads the logged-on user's own certificates (Windows: CurrentUser\My and Root; POSIX:
// ~/.credwatch/certificates) and reports them to the service with "report_certificates".
// Returns how many were reported (0 and no request when there is nothing to report).
// Implemented in tray/posix/user_certificates.cpp and tray/windows/user_certificates.cpp.
[[nodiscard]] Result<std::size_t> report_user_certificates(IpcClient& client);

// Runs the checks of this user's session the service names (Credential Manager, the user's
// stores) and reports them with "report_checks"; returns how many (docs/doctor.md).
[[nodiscard]] Result<std::size_t> run_and_report_session_checks(IpcClient& client);

}  // namespace credwatch::tray
