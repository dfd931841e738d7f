#include "free_ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace tunely::test {
namespace {

// Whether a socket of `type` can bind 127.0.0.1:port now.
bool can_bind(int type, int port) {
    int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

std::pair<int, int> free_port_range(int n) {
    for (int base = 21000 + (getpid() % 200) * 50; base + n <= 32000; base += n) {
        bool all = true;
        for (int p = base; p < base + n && all; ++p) all = can_bind(SOCK_STREAM, p) && can_bind(SOCK_DGRAM, p);
        if (all) return {base, base + n - 1};
    }
    throw std::runtime_error("no free port range");
}

}  // namespace tunely::test
