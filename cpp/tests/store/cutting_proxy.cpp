#include "cutting_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

namespace tunely::store::test {
namespace {

struct link {
    int client = -1;
    int server = -1;
    bool draining = false;  // cut: the client is gone, the server's answers are discarded
    std::string tail;       // last bytes sent to the server (a marker split across reads)
};

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        auto n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

int connect_to(const std::string& host, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close_fd(fd);
    return fd;
}

}  // namespace

cutting_proxy::cutting_proxy(const std::string& target_host, int target_port)
    : target_host_(target_host), target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe(wake_pipe_) != 0)
        throw std::runtime_error("cutting_proxy: cannot listen");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
}

cutting_proxy::~cutting_proxy() {
    wake('q');
    thread_.join();
    close_fd(listen_fd_);
    close_fd(wake_pipe_[0]);
    close_fd(wake_pipe_[1]);
}

void cutting_proxy::cut_after(std::string marker) {
    std::lock_guard lock(mutex_);
    marker_ = std::move(marker);
}

void cutting_proxy::drop_all() {
    const int before = drops_.load();
    wake('d');
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (drops_.load() == before && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the relay thread answers within a poll turn
}

void cutting_proxy::wake(char command) { (void)!::write(wake_pipe_[1], &command, 1); }

void cutting_proxy::run() {
    std::vector<link> links;
    for (;;) {
        std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
        for (const auto& l : links) {
            fds.push_back({l.client, POLLIN, 0});  // a negative fd is ignored by poll
            fds.push_back({l.server, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;  // EINTR
        if (fds[1].revents) {
            char command = 0;
            (void)!::read(wake_pipe_[0], &command, 1);
            for (auto& l : links) {
                close_fd(l.client);
                close_fd(l.server);
            }
            links.clear();
            if (command == 'q') return;
            ++drops_;
            continue;
        }
        char buf[65536];
        for (std::size_t i = 0; i < links.size(); ++i) {
            auto& l = links[i];
            if (l.client >= 0 && fds[2 + 2 * i].revents) {
                auto n = ::recv(l.client, buf, sizeof buf, 0);
                if (n <= 0 || !write_all(l.server, buf, static_cast<std::size_t>(n))) {
                    close_fd(l.client);
                    close_fd(l.server);
                    continue;
                }
                std::lock_guard lock(mutex_);
                // Only a match that ends in this chunk: the tail holds too few bytes for a whole marker.
                const auto keep = std::min(l.tail.size(), marker_.empty() ? 0 : marker_.size() - 1);
                l.tail = l.tail.substr(l.tail.size() - keep) + std::string(buf, static_cast<std::size_t>(n));
                if (!marker_.empty() && l.tail.find(marker_) != std::string::npos) {
                    // Delivered: now the client loses the connection, while the server
                    // sees an orderly end after it has answered (a reset could discard
                    // the statement still unread in its socket buffer).
                    marker_.clear();
                    ++cuts_;  // counted before the client can notice
                    close_fd(l.client);
                    ::shutdown(l.server, SHUT_WR);
                    l.draining = true;
                }
                if (l.tail.size() > 64) l.tail.erase(0, l.tail.size() - 64);  // enough for any marker
            }
            if (l.server >= 0 && fds[3 + 2 * i].revents) {
                auto n = ::recv(l.server, buf, sizeof buf, 0);
                if (n <= 0) {
                    close_fd(l.server);
                    close_fd(l.client);
                } else if (!l.draining && !write_all(l.client, buf, static_cast<std::size_t>(n))) {
                    close_fd(l.client);
                    close_fd(l.server);
                }
            }
        }
        std::erase_if(links, [](const link& l) { return l.client < 0 && l.server < 0; });
        if (fds[0].revents) {
            link l;
            l.client = ::accept(listen_fd_, nullptr, nullptr);
            if (l.client >= 0) l.server = connect_to(target_host_, target_port_);
            if (l.server < 0) close_fd(l.client);
            else links.push_back(std::move(l));
        }
    }
}

}  // namespace tunely::store::test
