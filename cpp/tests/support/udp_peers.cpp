#include "udp_peers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tunely::test::udp_peers {

namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

}  // namespace

struct echo_target::impl {
    int fd = -1;
    std::uint16_t port = 0;
    std::atomic<bool> stopping{false};
    std::atomic<bool> echo{true};
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<datagram> received;
    std::thread thread;

    void run() {
        std::vector<char> buffer(65536);
        while (!stopping) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) != 1) continue;
            sockaddr_in from{};
            socklen_t len = sizeof from;
            auto n = ::recvfrom(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n < 0) continue;  // EINTR, EAGAIN, an ICMP error for an earlier echo
            {  // recorded before the echo leaves: whoever got the echo finds the datagram in received()
                std::lock_guard l(mutex);
                received.push_back({ntohs(from.sin_port), std::string(buffer.data(), static_cast<std::size_t>(n))});
                changed.notify_all();
            }
            if (echo)
                ::sendto(fd, buffer.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
        }
    }
};

echo_target::echo_target() : impl_(std::make_unique<impl>()) {
    impl_->fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (impl_->fd < 0) throw std::runtime_error("udp echo target: no socket");
    int size = 4 * 1024 * 1024;  // bursts of echoes must not overflow our own buffers (best effort)
    ::setsockopt(impl_->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    ::setsockopt(impl_->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    auto a = loopback(0);
    socklen_t len = sizeof a;
    if (::bind(impl_->fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::getsockname(impl_->fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(impl_->fd);
        throw std::runtime_error("udp echo target: bind failed");
    }
    impl_->port = ntohs(a.sin_port);
    impl_->thread = std::thread([p = impl_.get()] { p->run(); });
}

echo_target::~echo_target() {
    impl_->stopping = true;
    impl_->thread.join();
    ::close(impl_->fd);
}

std::uint16_t echo_target::port() const noexcept { return impl_->port; }

std::vector<datagram> echo_target::received() const {
    std::lock_guard l(impl_->mutex);
    return impl_->received;
}

std::size_t echo_target::count() const {
    std::lock_guard l(impl_->mutex);
    return impl_->received.size();
}

bool echo_target::wait_count(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock l(impl_->mutex);
    return impl_->changed.wait_for(l, timeout, [&] { return impl_->received.size() >= n; });
}

std::vector<std::uint16_t> echo_target::sources() const {
    std::lock_guard l(impl_->mutex);
    std::vector<std::uint16_t> out;
    for (const auto& d : impl_->received)
        if (std::find(out.begin(), out.end(), d.source_port) == out.end()) out.push_back(d.source_port);
    return out;
}

void echo_target::echo(bool on) { impl_->echo = on; }

bool echo_target::send_to(std::uint16_t port, std::string_view bytes) {
    auto a = loopback(port);
    return ::sendto(impl_->fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) ==
           static_cast<ssize_t>(bytes.size());
}

caller::caller(std::uint16_t port) : port_(port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    auto a = loopback(0);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd_ >= 0) ::close(fd_);
        throw std::runtime_error("udp caller: bind failed");
    }
    local_port_ = ntohs(a.sin_port);
}

caller::~caller() { ::close(fd_); }

void caller::send(std::string_view bytes) {
    auto a = loopback(port_);
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

std::optional<std::string> caller::receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    std::vector<char> buffer(65536);
    auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer.data(), static_cast<std::size_t>(n));
}

namespace {

// Whether /proc/net/<table> lists a socket whose local port is `port`; empty when the table cannot be read.
std::optional<bool> listed(const char* table, std::uint16_t port) {
    std::ifstream in(table);
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line);  // the header
    char wanted[8];
    std::snprintf(wanted, sizeof wanted, ":%04X", port);
    while (std::getline(in, line)) {
        // "  sl  local_address rem_address ...": the local address is the second field, ADDRESS:PORT in hex.
        std::istringstream fields(line);
        std::string slot, local;
        if (!(fields >> slot >> local)) continue;
        if (local.size() > 5 && local.compare(local.size() - 5, 5, wanted) == 0) return true;
    }
    return false;
}

}  // namespace

bool port_in_use(std::uint16_t port) {
    // The kernel's own list: a bind probe is not reliable for connected UDP sockets on every kernel.
    auto v4 = listed("/proc/net/udp", port);
    auto v6 = listed("/proc/net/udp6", port);
    if (v4 || v6) return v4.value_or(false) || v6.value_or(false);
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    auto a = loopback(port);
    const bool in_use = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == EADDRINUSE;
    ::close(fd);
    return in_use;
}

bool wait_port(std::uint16_t port, bool in_use, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (port_in_use(port) == in_use) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace tunely::test::udp_peers
