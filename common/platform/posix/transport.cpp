#include "credwatch/platform/platform.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace credwatch::platform {

namespace {

class UnixTransport final : public Transport {
  public:
    explicit UnixTransport(int fd) : fd_(fd) {}
    ~UnixTransport() override { ::close(fd_); }

    Status write(std::string_view bytes) override {
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                return make_error(Errc::io_error, fmt::format("sending to the service failed: {}",
                                                              std::strerror(errno)));
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return {};
    }

    bool wait_readable(std::chrono::milliseconds timeout) override {
        if (buffer_.find('\n') != std::string::npos) return true;
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
    }

    Result<std::string> read_line(std::chrono::milliseconds timeout) override {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return make_error(Errc::io_error, "the service did not answer in time");
            pollfd p{fd_, POLLIN, 0};
            int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno != EINTR)
                return make_error(Errc::io_error,
                                  fmt::format("poll failed: {}", std::strerror(errno)));
            if (r <= 0) continue;
            char chunk[65536];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n == 0) return make_error(Errc::io_error, "the service closed the connection");
            if (n < 0) {
                if (errno == EINTR) continue;
                return make_error(Errc::io_error, fmt::format("reading from the service failed: {}",
                                                              std::strerror(errno)));
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_;
    std::string buffer_;
};

}  // namespace

Result<std::unique_ptr<Transport>> connect(const std::string& endpoint, std::chrono::milliseconds) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (endpoint.size() >= sizeof addr.sun_path)
        return make_error(Errc::invalid_argument, fmt::format("socket path too long ({} bytes): {}",
                                                              endpoint.size(), endpoint));
    std::memcpy(addr.sun_path, endpoint.c_str(), endpoint.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return make_error(Errc::io_error, fmt::format("socket failed: {}", std::strerror(errno)));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        ::close(fd);
        return make_error(
            Errc::service_unavailable,
            fmt::format("the credwatch service is not running (nothing answers at {}: {})",
                        endpoint, std::strerror(err)));
    }
    return std::unique_ptr<Transport>(new UnixTransport(fd));
}

}  // namespace credwatch::platform
