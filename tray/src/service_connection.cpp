#include "service_connection.hpp"

#include "credwatch/base/clock.hpp"
#include "credwatch/checks/checks.hpp"
#include "credwatch/ipc/session_checks.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace json = boost::json;

namespace credwatch::tray {

struct ServiceConnection::Shared {
    std::filesystem::path data_dir;
    Lang lang = Lang::en;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    Callbacks callbacks;  // cleared by stop(), under the mutex

    template <class F>
    void deliver(F&& f) {
        std::lock_guard lock(mutex);
        if (!stopping) f(callbacks);
    }
    // Sleeps up to `d`; false when stopping.
    bool sleep(std::chrono::milliseconds d) {
        std::unique_lock lock(mutex);
        wake.wait_for(lock, d, [&] { return stopping; });
        return !stopping;
    }
    bool running() {
        std::lock_guard lock(mutex);
        return !stopping;
    }
};

ServiceConnection::ServiceConnection(std::filesystem::path data_dir, Lang lang, Callbacks callbacks)
    : shared_(std::make_shared<Shared>()) {
    shared_->data_dir = std::move(data_dir);
    shared_->lang = lang;
    shared_->callbacks = std::move(callbacks);
}

ServiceConnection::~ServiceConnection() {
    stop();
}

void ServiceConnection::start() {
    std::thread(&ServiceConnection::run, shared_).detach();
}

void ServiceConnection::stop() {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stopping = true;
        shared_->callbacks = {};
    }
    shared_->wake.notify_all();
}

Result<json::value> ServiceConnection::request(const std::filesystem::path& data_dir,
                                               std::string_view method, json::object params) {
    auto client = IpcClient::connect(data_dir, std::chrono::seconds(5));
    if (!client) return client.error();
    params["client"] = "tray";
    return (*client)->call(method, std::move(params), std::chrono::seconds(30));
}

namespace {

// What this session can tell the service and nobody else can: the user's certificates and the
// checks of the user's Credential Manager and stores.
void report_session(IpcClient& client) {
    if (auto reported = report_user_certificates(client); !reported)
        spdlog::warn("tray: reporting the user's certificates failed: {}",
                     reported.error().message);
    if (auto checked = run_and_report_session_checks(client); !checked)
        spdlog::warn("tray: reporting the session's checks failed: {}", checked.error().message);
}

Status refresh_status(IpcClient& client, Snapshot& snapshot, Lang lang) {
    auto status = client.call("status", {{"client", "tray"}});
    if (!status) return status.error();
    if (!status->is_object()) return make_error(Errc::protocol_error, "status: not an object");
    apply_status(snapshot, status->as_object(), lang);
    return {};
}

}  // namespace

void ServiceConnection::run(std::shared_ptr<Shared> shared) {
    using namespace std::chrono;
    milliseconds backoff = seconds(5);
    while (shared->running()) {
        Snapshot snapshot;
        auto client = IpcClient::connect(shared->data_dir, seconds(5));
        Status st;
        if (!client) {
            st = client.error();
        } else {
            auto sub = (*client)->call("subscribe", {{"client", "tray"}});
            auto catalog = sub ? (*client)->call("catalog", {{"client", "tray"}}) : sub;
            if (!catalog) {
                st = catalog.error();
            } else {
                if (catalog->is_object())
                    apply_catalog(snapshot, catalog->as_object(), shared->lang);
                report_session(**client);
                st = refresh_status(**client, snapshot, shared->lang);
            }
        }
        if (!st) {
            snapshot = Snapshot{};
            snapshot.connected = false;
            snapshot.error = st.error().message;
            shared->deliver([&](Callbacks& cb) {
                if (cb.snapshot) cb.snapshot(snapshot);
            });
            if (!shared->sleep(backoff)) return;
            backoff = std::min<milliseconds>(backoff * 2, ServiceConnection::kIdlePoll);
            continue;
        }
        backoff = seconds(5);
        shared->deliver([&](Callbacks& cb) {
            if (cb.snapshot) cb.snapshot(snapshot);
        });

        // Subscribed: block on the socket until an event comes or a minute passes.
        auto next_poll = steady_clock::now() + ServiceConnection::kIdlePoll;
        auto next_report = steady_clock::now() + hours(1);
        while (shared->running()) {
            auto wait = duration_cast<milliseconds>(next_poll - steady_clock::now());
            auto event = (*client)->next_event(std::max(wait, milliseconds(0)));
            if (!event) {
                st = event.error();
                break;
            }
            bool refresh = false;
            if (!*event) {
                refresh = true;  // idle poll: days left change at midnight
                if (steady_clock::now() >= next_report) {
                    report_session(**client);
                    next_report = steady_clock::now() + hours(1);
                }
            } else if ((*event)->event == "reminder" && (*event)->result.is_object()) {
                const auto& data = (*event)->result.as_object();
                ReminderView r = reminder_from_json(data);
                json::object row;
                if (const auto* cr = data.if_contains("credential_row"); cr && cr->is_object())
                    row = cr->as_object();
                shared->deliver([&](Callbacks& cb) {
                    if (cb.reminder) cb.reminder(r, row);
                });
                refresh = true;
            } else if ((*event)->event == "status-changed") {
                refresh = true;
            }
            if (refresh) {
                st = refresh_status(**client, snapshot, shared->lang);
                if (!st) break;
                shared->deliver([&](Callbacks& cb) {
                    if (cb.snapshot) cb.snapshot(snapshot);
                });
                next_poll = steady_clock::now() + ServiceConnection::kIdlePoll;
            }
        }
        if (!shared->running()) return;
        spdlog::info("tray: lost the service: {}", st ? std::string("?") : st.error().message);
        Snapshot down;
        down.error = st ? std::string() : st.error().message;
        shared->deliver([&](Callbacks& cb) {
            if (cb.snapshot) cb.snapshot(down);
        });
        if (!shared->sleep(seconds(2))) return;
    }
}

Result<std::size_t> run_and_report_session_checks(IpcClient& client) {
    SystemClock clock;
    checks::CheckContext context{clock};
    const auto run_here = [&](const std::vector<CheckDefinition>& session) {
        return checks::run_session_checks(session, context);
    };
    CW_TRY_ASSIGN(report, credwatch::report_session_checks(client, run_here, {{"client", "tray"}}));
    return report.reported;
}

}  // namespace credwatch::tray
