// Windows client side of the IPC: a byte-mode named pipe, '\n'-framed like the Unix socket.
// Reads are overlapped: one read is kept pending across calls, so a timeout never loses data.

#include "credwatch/platform/platform.hpp"

#include "credwatch/platform/win_util.hpp"

#include <fmt/format.h>

#include <aclapi.h>

#include <algorithm>
#include <vector>

namespace credwatch::platform {

namespace {

DWORD clamp_ms(std::chrono::milliseconds ms) {
    if (ms.count() <= 0) return 0;
    return static_cast<DWORD>(std::min<long long>(ms.count(), 0x7fffffffLL));
}

class PipeTransport final : public Transport {
  public:
    PipeTransport(win::UniqueHandle pipe, std::string endpoint)
        : pipe_(std::move(pipe)), endpoint_(std::move(endpoint)) {
        read_event_.reset(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
        write_event_.reset(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    }

    ~PipeTransport() override {
        if (read_pending_) {
            // The kernel still owns read_ov_ and chunk_: cancel and wait before freeing them.
            ::CancelIoEx(pipe_.get(), &read_ov_);
            DWORD n = 0;
            ::GetOverlappedResult(pipe_.get(), &read_ov_, &n, TRUE);
        }
    }

    Status write(std::string_view bytes) override {
        while (!bytes.empty()) {
            OVERLAPPED ov{};
            ov.hEvent = write_event_.get();
            ::ResetEvent(ov.hEvent);
            DWORD n = 0;
            DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(bytes.size(), 1u << 20));
            if (!::WriteFile(pipe_.get(), bytes.data(), chunk, nullptr, &ov)) {
                DWORD err = ::GetLastError();
                if (err != ERROR_IO_PENDING)
                    return make_error(Errc::io_error,
                                      fmt::format("sending to the service failed: {} (error {})",
                                                  win::error_text(err), err));
            }
            if (!::GetOverlappedResult(pipe_.get(), &ov, &n, TRUE)) {
                DWORD err = ::GetLastError();
                return make_error(Errc::io_error,
                                  fmt::format("sending to the service failed: {} (error {})",
                                              win::error_text(err), err));
            }
            bytes.remove_prefix(n);
        }
        return {};
    }

    bool wait_readable(std::chrono::milliseconds timeout) override {
        if (buffer_.find('\n') != std::string::npos || closed_) return true;
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (!pump(deadline)) return closed_ || buffer_.find('\n') != std::string::npos;
            if (buffer_.find('\n') != std::string::npos || closed_) return true;
        }
    }

    Result<std::string> read_line(std::chrono::milliseconds timeout) override {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            if (closed_) {
                if (!error_.empty()) return make_error(Errc::io_error, error_);
                return make_error(Errc::io_error, "the service closed the connection");
            }
            if (!pump(deadline))
                return make_error(Errc::io_error, "the service did not answer in time");
        }
    }

  private:
    // Waits for data until the deadline. Returns false on timeout; true when bytes were added
    // to buffer_ or the connection ended (closed_).
    bool pump(std::chrono::steady_clock::time_point deadline) {
        if (!read_pending_) {
            read_ov_ = OVERLAPPED{};
            read_ov_.hEvent = read_event_.get();
            ::ResetEvent(read_event_.get());
            if (!::ReadFile(pipe_.get(), chunk_, sizeof chunk_, nullptr, &read_ov_)) {
                DWORD err = ::GetLastError();
                if (err != ERROR_IO_PENDING && err != ERROR_MORE_DATA) return end(err);
            }
            read_pending_ = true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        DWORD w = ::WaitForSingleObject(read_event_.get(), clamp_ms(left));
        if (w == WAIT_TIMEOUT) return false;
        DWORD n = 0;
        read_pending_ = false;
        if (!::GetOverlappedResult(pipe_.get(), &read_ov_, &n, FALSE)) {
            DWORD err = ::GetLastError();
            if (err != ERROR_MORE_DATA) return end(err);
        }
        if (n == 0) return true;  // a zero-byte message: nothing to add, read again
        buffer_.append(chunk_, n);
        return true;
    }

    bool end(DWORD err) {
        closed_ = true;
        if (err != ERROR_BROKEN_PIPE && err != ERROR_PIPE_NOT_CONNECTED && err != ERROR_NO_DATA)
            error_ = fmt::format("reading from the service failed: {} (error {})",
                                 win::error_text(err), err);
        return true;
    }

    win::UniqueHandle pipe_;
    std::string endpoint_;
    win::UniqueHandle read_event_;
    win::UniqueHandle write_event_;
    OVERLAPPED read_ov_{};
    bool read_pending_ = false;
    bool closed_ = false;
    std::string error_;
    char chunk_[65536];
    std::string buffer_;
};

// Whether the process serving the pipe may be believed: it runs as LocalSystem (the installed
// service), or as this very account (the service started in a console, the tests). Anybody
// else who put up a pipe of that name while the service was not running is an impostor whose
// "all is well" would silence the reminders. A standard user may not read the token of a
// LocalSystem process: then the pipe's owner, which its creator's token set, tells the same.
Status check_server(HANDLE pipe, const std::string& endpoint) {
    const std::vector<BYTE> self = win::process_user();
    auto trusted = [&](PSID sid) {
        return ::IsWellKnownSid(sid, WinLocalSystemSid) ||
               (!self.empty() && ::EqualSid(sid, win::user_sid(self)));
    };
    ULONG pid = 0;
    if (!::GetNamedPipeServerProcessId(pipe, &pid)) {
        DWORD err = ::GetLastError();
        return make_error(Errc::permission_denied,
                          fmt::format("cannot tell which process serves {}: {} (error {}); not "
                                      "trusting it",
                                      endpoint, win::error_text(err), err));
    }
    std::string account;
    win::UniqueHandle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
    if (std::vector<BYTE> server = process ? win::process_user(process.get()) : std::vector<BYTE>{};
        !server.empty()) {
        if (trusted(win::user_sid(server))) return {};
        account = win::sid_string(win::user_sid(server));
    } else {
        PSID owner = nullptr;
        PSECURITY_DESCRIPTOR sd = nullptr;
        DWORD err = ::GetSecurityInfo(pipe, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner,
                                      nullptr, nullptr, nullptr, &sd);
        win::LocalPtr<void> owned(sd);
        if (err != ERROR_SUCCESS || !owner)
            return make_error(Errc::permission_denied,
                              fmt::format("cannot tell which account serves {} (process {}): {} "
                                          "(error {}); not trusting it",
                                          endpoint, pid, win::error_text(err), err));
        // An object LocalSystem creates is owned by LocalSystem or by Administrators.
        if (trusted(owner) || ::IsWellKnownSid(owner, WinBuiltinAdministratorsSid)) return {};
        account = win::sid_string(owner);
    }
    return make_error(Errc::permission_denied,
                      fmt::format("the process answering at {} (process {}, account {}) is not "
                                  "the credwatch service: it does not run as LocalSystem; not "
                                  "trusting it",
                                  endpoint, pid, account));
}

}  // namespace

Result<std::unique_ptr<Transport>> connect(const std::string& endpoint,
                                           std::chrono::milliseconds timeout) {
    std::wstring name = win::widen(endpoint);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        // FILE_WRITE_DATA, not GENERIC_WRITE: the pipe's DACL deliberately withholds
        // FILE_CREATE_PIPE_INSTANCE (= FILE_APPEND_DATA) from clients. SECURITY_IDENTIFICATION:
        // the service may find out who we are, but may not act as us.
        HANDLE h = ::CreateFileW(
            name.c_str(), GENERIC_READ | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES, 0, nullptr,
            OPEN_EXISTING, FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
            nullptr);
        if (h != INVALID_HANDLE_VALUE) {
            win::UniqueHandle pipe(h);
            if (auto st = check_server(pipe.get(), endpoint); !st) return st.error();
            return std::unique_ptr<Transport>(new PipeTransport(std::move(pipe), endpoint));
        }
        DWORD err = ::GetLastError();
        if (err == ERROR_PIPE_BUSY) {
            // Every instance is taken: the service creates a new one right after each connect.
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() > 0) {
                ::WaitNamedPipeW(name.c_str(), std::max<DWORD>(1, clamp_ms(left)));
                continue;
            }
            return make_error(
                Errc::service_unavailable,
                fmt::format("the credwatch service is busy (every instance of {} is in use)",
                            endpoint));
        }
        if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
            return make_error(
                Errc::service_unavailable,
                fmt::format("the credwatch service is not running (nothing answers at {})",
                            endpoint));
        if (err == ERROR_ACCESS_DENIED)
            return make_error(
                Errc::permission_denied,
                fmt::format("the credwatch service refused this account access to {} ({})",
                            endpoint, win::error_text(err)));
        return make_error(
            Errc::service_unavailable,
            fmt::format("cannot connect to the credwatch service at {}: {} (error {})", endpoint,
                        win::error_text(err), err));
    }
}

}  // namespace credwatch::platform
