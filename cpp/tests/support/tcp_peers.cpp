#include "tcp_peers.hpp"

#include <boost/asio.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

namespace tunely::test {
namespace asio = boost::asio;
using asio::ip::tcp;

std::string echo_trailer(std::size_t bytes) { return "[eof after " + std::to_string(bytes) + " bytes]"; }

struct tcp_echo_target::impl {
    asio::io_context io{1};
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::atomic<int> open{0};
    std::atomic<int> accepted{0};
    std::atomic<std::size_t> last_total{0};
    std::thread thread;

    asio::awaitable<void> serve(tcp::socket s) {
        ++open;
        std::size_t total = 0;
        bool write_closed = false;
        char buf[64 * 1024];
        try {
            for (;;) {
                auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
                if (n > 0) {
                    total += n;
                    if (std::string_view(buf, n) == target_shutdown_command) {
                        boost::system::error_code ignored;
                        s.shutdown(tcp::socket::shutdown_send, ignored);
                        write_closed = true;
                    } else if (!write_closed) {
                        co_await asio::async_write(s, asio::buffer(buf, n), asio::use_awaitable);
                    }
                }
                if (ec == asio::error::eof) {
                    if (!write_closed)
                        co_await asio::async_write(s, asio::buffer(echo_trailer(total)), asio::use_awaitable);
                    break;
                }
                if (ec) break;
            }
        } catch (...) {
        }
        boost::system::error_code ignored;
        s.shutdown(tcp::socket::shutdown_both, ignored);
        s.close(ignored);
        last_total = total;
        --open;
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, s] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++accepted;
            asio::co_spawn(io, serve(std::move(s)), asio::detached);
        }
    }
};

tcp_echo_target::tcp_echo_target() : impl_(std::make_unique<impl>()) {
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

tcp_echo_target::~tcp_echo_target() {
    impl_->io.stop();
    impl_->thread.join();
}

std::uint16_t tcp_echo_target::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }
int tcp_echo_target::open_connections() const noexcept { return impl_->open.load(); }
int tcp_echo_target::accepted() const noexcept { return impl_->accepted.load(); }
std::size_t tcp_echo_target::last_total() const noexcept { return impl_->last_total.load(); }

tcp_caller::tcp_caller(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd_);
        throw std::runtime_error("connect failed");
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

tcp_caller::~tcp_caller() {
    if (fd_ >= 0) ::close(fd_);
}

tcp_caller::tcp_caller(tcp_caller&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

void tcp_caller::write(std::string_view bytes) {
    while (!bytes.empty()) {
        auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("send failed");
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void tcp_caller::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

namespace {

// Reads what is there within the deadline: >0 bytes, 0 at EOF, -1 on error, -2 on timeout.
long read_some(int fd, char* buf, std::size_t size, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return -2;
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return -2;
        auto n = ::recv(fd, buf, size, 0);
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -1 : static_cast<long>(n);
    }
}

}  // namespace

std::string tcp_caller::read_exact(std::size_t n, std::chrono::milliseconds timeout) {
    std::string out;
    out.reserve(n);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[64 * 1024];
    while (out.size() < n) {
        auto got = read_some(fd_, buf, std::min(sizeof buf, n - out.size()), deadline);
        if (got <= 0) break;
        out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
}

std::optional<std::string> tcp_caller::read_to_end(std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[64 * 1024];
    for (;;) {
        auto got = read_some(fd_, buf, sizeof buf, deadline);
        if (got == -2) return std::nullopt;
        if (got <= 0) return out;
        out.append(buf, static_cast<std::size_t>(got));
    }
}

bool tcp_caller::wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[64 * 1024];
    for (;;) {
        auto got = read_some(fd_, buf, sizeof buf, deadline);
        if (got == -2) return false;
        if (got <= 0) return true;
    }
}

}  // namespace tunely::test
