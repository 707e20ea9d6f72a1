// The service's IPC endpoint on Windows: a local byte-mode named pipe, one instance per client,
// '\n'-framed JSON lines exactly like the Unix socket. Everything runs on the io_context's
// thread through asio's I/O completion port (stream_handle + overlapped ConnectNamedPipe).

#include "ipc_server.hpp"
#include "line_session.hpp"

#include "credwatch/platform/win_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/windows/overlapped_ptr.hpp>
#include <boost/asio/windows/stream_handle.hpp>

#include <sddl.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace credwatch {

namespace asio = boost::asio;
using stream_handle = asio::windows::stream_handle;

namespace {

constexpr DWORD kPipeBuffer = 64 * 1024;

// The client's token, from impersonation (the documented way) or, when the system refuses to
// impersonate (Wine before the client wrote anything, for instance), from its process.
win::UniqueHandle client_token(HANDLE pipe, const char** how) {
    win::UniqueHandle token;
    if (::ImpersonateNamedPipeClient(pipe)) {
        HANDLE t = nullptr;
        BOOL ok = ::OpenThreadToken(::GetCurrentThread(), TOKEN_QUERY | TOKEN_DUPLICATE, TRUE, &t);
        DWORD err = ::GetLastError();
        if (!::RevertToSelf()) {
            // Never go on running as somebody else.
            spdlog::critical("RevertToSelf failed: error {}; exiting", ::GetLastError());
            std::abort();
        }
        if (ok) {
            token.reset(t);
            *how = "impersonation";
            return token;
        }
        spdlog::debug("OpenThreadToken after ImpersonateNamedPipeClient failed: error {}", err);
    } else {
        spdlog::debug("ImpersonateNamedPipeClient failed: error {}", ::GetLastError());
    }
    ULONG pid = 0;
    if (::GetNamedPipeClientProcessId(pipe, &pid)) {
        win::UniqueHandle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
        if (process &&
            ::OpenProcessToken(process.get(), TOKEN_QUERY | TOKEN_DUPLICATE, token.put())) {
            *how = "client process token";
            return token;
        }
        spdlog::debug("OpenProcess/OpenProcessToken({}) failed: error {}", pid, ::GetLastError());
    }
    return token;
}

bool is_member(HANDLE token, WELL_KNOWN_SID_TYPE type) {
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD size = sizeof sid;
    if (!::CreateWellKnownSid(type, nullptr, sid, &size)) return false;
    // CheckTokenMembership wants an impersonation token; a process token is duplicated.
    win::UniqueHandle imp;
    if (!::DuplicateTokenEx(token, TOKEN_QUERY, nullptr, SecurityIdentification, TokenImpersonation,
                            imp.put()))
        return false;
    BOOL member = FALSE;
    return ::CheckTokenMembership(imp.get(), sid, &member) && member;
}

std::vector<BYTE> token_user(HANDLE token) {
    DWORD size = 0;
    ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    std::vector<BYTE> buffer(size ? size : 1);
    if (!::GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) return {};
    return buffer;
}

std::vector<BYTE> process_user() {
    win::UniqueHandle token;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, token.put())) return {};
    return token_user(token.get());
}

Peer identify(HANDLE pipe) {
    Peer peer;
    const char* how = "nothing";
    win::UniqueHandle token = client_token(pipe, &how);
    if (!token) {
        spdlog::warn("cannot identify the client of the pipe: error {} ({})", ::GetLastError(),
                     win::error_text(::GetLastError()));
        peer.user = "?";
        peer.account = "?";
        return peer;
    }
    auto user = token_user(token.get());
    if (user.empty()) {
        peer.user = "?";
        peer.account = "?";
        return peer;
    }
    PSID sid = reinterpret_cast<const TOKEN_USER*>(user.data())->User.Sid;
    if (wchar_t* text = nullptr; ::ConvertSidToStringSidW(sid, &text)) {
        win::LocalPtr<wchar_t> owned(text);
        peer.account = win::narrow(text);
    }
    wchar_t name[256], domain[256];
    DWORD name_len = 256, domain_len = 256;
    SID_NAME_USE use{};
    if (::LookupAccountSidW(nullptr, sid, name, &name_len, domain, &domain_len, &use)) {
        peer.user = win::narrow(std::wstring_view(name, name_len));
    } else {
        wchar_t* text = nullptr;
        if (::ConvertSidToStringSidW(sid, &text)) {
            win::LocalPtr<wchar_t> owned(text);
            peer.user = win::narrow(text);
        } else {
            peer.user = "?";
        }
    }
    static const std::vector<BYTE> self = process_user();
    bool same_account = !self.empty() &&
                        ::EqualSid(sid, reinterpret_cast<const TOKEN_USER*>(self.data())->User.Sid);
    peer.privileged = ::IsWellKnownSid(sid, WinLocalSystemSid) || same_account ||
                      is_member(token.get(), WinBuiltinAdministratorsSid);
    spdlog::debug("pipe client {} (privileged: {}) identified by {}", peer.user, peer.privileged,
                  how);
    return peer;
}

// LocalSystem and Administrators: full control. The service's own account (console runs):
// full control, so that it can create further instances. Interactive users: read and write
// data but NOT FILE_CREATE_PIPE_INSTANCE (0x4, the bit GENERIC_WRITE would include), so that
// nobody else can put up an instance of our pipe and pose as the service.
// 0x12019b = FILE_GENERIC_READ | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA.
std::wstring pipe_sddl() {
    std::wstring sddl = L"D:P(A;;GA;;;SY)(A;;GA;;;BA)";
    if (std::wstring self = win::process_user_sid_string(); !self.empty() && self != L"S-1-5-18")
        sddl += L"(A;;GA;;;" + self + L")";
    sddl += L"(A;;0x0012019b;;;IU)";
    return sddl;
}

// Closing a session disconnects its pipe instance, then closes the handle.
struct DisconnectAndClose {
    void operator()(stream_handle& pipe) const {
        boost::system::error_code ec;
        if (pipe.is_open()) ::DisconnectNamedPipe(pipe.native_handle());
        pipe.close(ec);
    }
};

using Session = LineSession<stream_handle, DisconnectAndClose>;

class PipeIpcServer final : public IpcServer {
  public:
    PipeIpcServer(asio::io_context& io, RequestHandler handler, std::string name, IpcLimits limits)
        : io_(io),
          handler_(std::move(handler)),
          name_(std::move(name)),
          wname_(win::widen(name_)),
          limits_(limits) {}
    ~PipeIpcServer() override { close(); }

    Status listen() {
        std::wstring sddl = pipe_sddl();
        PSECURITY_DESCRIPTOR sd = nullptr;
        if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                                    &sd, nullptr))
            return win::fail(Errc::internal, "ConvertStringSecurityDescriptorToSecurityDescriptorW",
                             win::narrow(sddl));
        security_descriptor_.reset(sd);
        // The first instance must be ours: if the name is taken, another process (a second
        // service on the same data directory, or an impostor) holds it.
        auto first = create_instance(true);
        if (!first) return first.error();
        open_ = true;
        accept(std::make_shared<stream_handle>(io_, first->release()));
        return {};
    }

    void broadcast(const std::string& line) override { sessions_.broadcast(line); }

    void close() override {
        if (!open_) return;
        open_ = false;
        *alive_ = false;
        retry_timer_.cancel();
        if (pending_ && pending_->is_open()) {
            boost::system::error_code ec;
            pending_->cancel(ec);
            pending_->close(ec);
        }
        pending_.reset();
        sessions_.close_all();
    }

    std::size_t connection_count() const override { return sessions_.count(); }

  private:
    Result<win::UniqueHandle> create_instance(bool first) {
        SECURITY_ATTRIBUTES sa{sizeof sa, security_descriptor_.get(), FALSE};
        DWORD open_mode =
            PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
        HANDLE h = ::CreateNamedPipeW(
            wname_.c_str(), open_mode,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            PIPE_UNLIMITED_INSTANCES, kPipeBuffer, kPipeBuffer, 0, &sa);
        if (h == INVALID_HANDLE_VALUE) {
            DWORD err = ::GetLastError();
            if (first && (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY))
                return make_error(
                    Errc::already_running,
                    fmt::format("the pipe {} is already in use by another process", name_));
            return win::fail(Errc::io_error, "CreateNamedPipeW",
                             fmt::format("cannot listen on {}", name_), err);
        }
        return win::UniqueHandle(h);
    }

    // Waits for a client on `handle`, which stays the listening instance until one connects:
    // an instance of ours always listens, so the name never goes free for somebody else's
    // server between two clients.
    void accept(std::shared_ptr<stream_handle> handle) {
        pending_ = handle;
        std::weak_ptr<bool> alive = alive_;
        asio::windows::overlapped_ptr op(
            io_, [this, alive, handle](boost::system::error_code ec, std::size_t) {
                if (alive.expired() || !*alive.lock()) return;  // the server was closed meanwhile
                if (ec == asio::error::operation_aborted) return;
                if (ec) {
                    // ERROR_NO_DATA: the client came and went before we saw it. Nothing to
                    // serve: the same instance listens again.
                    spdlog::debug("ConnectNamedPipe on {} completed with {} ({})", name_,
                                  ec.message(), ec.value());
                    ::DisconnectNamedPipe(handle->native_handle());
                    accept(handle);
                    return;
                }
                connected(handle);
            });
        BOOL ok = ::ConnectNamedPipe(handle->native_handle(), op.get());
        DWORD err = ::GetLastError();
        if (!ok && err == ERROR_PIPE_CONNECTED) {
            op.complete(boost::system::error_code(),
                        0);  // connected before we asked: no packet comes
        } else if (!ok && err != ERROR_IO_PENDING) {
            op.complete(
                boost::system::error_code(static_cast<int>(err), boost::system::system_category()),
                0);
        } else {
            op.release();  // the completion port delivers the result
        }
    }

    // A client is on `handle`: the next listening instance is made first; only then does the
    // client get a session. If no instance can be made (out of resources), this client is
    // turned away and its instance listens again, after a pause that grows while it lasts.
    void connected(const std::shared_ptr<stream_handle>& handle) {
        auto next = create_instance(false);
        if (!next) {
            failed_to_listen(next.error());
            ::DisconnectNamedPipe(handle->native_handle());
            pending_ = handle;
            std::weak_ptr<bool> alive = alive_;
            retry_timer_.expires_after(retry_delay_);
            retry_timer_.async_wait([this, alive, handle](boost::system::error_code ec) {
                if (!ec && !alive.expired() && *alive.lock()) accept(handle);
            });
            return;
        }
        listening_again();
        Peer peer = identify(handle->native_handle());
        auto session = std::make_shared<Session>(std::move(*handle), handler_, peer, limits_);
        accept(std::make_shared<stream_handle>(io_, next->release()));
        if (std::string why = sessions_.refusal(peer, limits_); !why.empty()) {
            refusals_.refused(why);
            session->refuse(
                protocol::serialize_error(nullptr, make_error(Errc::service_unavailable, why)));
            return;
        }
        refusals_.taken();
        sessions_.add(session);
        session->start();
    }

    // One log line when making instances starts to fail, one when it works again.
    void failed_to_listen(const Error& error) {
        if (failed_instances_++ == 0) {
            retry_delay_ = limits_.kAcceptRetryFirst;
            spdlog::error("{}; turning clients away, retrying from {} ms up to every {} ms",
                          error.message, retry_delay_.count(), limits_.kAcceptRetryMax.count());
        } else {
            retry_delay_ = std::min(retry_delay_ * 2, limits_.kAcceptRetryMax);
        }
    }

    void listening_again() {
        if (failed_instances_ == 0) return;
        spdlog::info("listening on {} again after {} failed attempts", name_, failed_instances_);
        failed_instances_ = 0;
    }

    asio::io_context& io_;
    RequestHandler handler_;
    std::string name_;
    std::wstring wname_;
    IpcLimits limits_;
    win::LocalPtr<void> security_descriptor_;
    std::shared_ptr<stream_handle> pending_;
    RefusalLog refusals_;
    SessionList<Session> sessions_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    asio::steady_timer retry_timer_{io_};
    std::chrono::milliseconds retry_delay_{0};
    std::size_t failed_instances_ = 0;
    bool open_ = false;
};

}  // namespace

Result<std::unique_ptr<IpcServer>> start_ipc_server(asio::io_context& io,
                                                    const IpcServerOptions& options,
                                                    RequestHandler handler) {
    auto server =
        std::make_unique<PipeIpcServer>(io, std::move(handler), options.endpoint, options.limits);
    if (auto st = server->listen(); !st) return st.error();
    return std::unique_ptr<IpcServer>(std::move(server));
}

}  // namespace credwatch
