#pragma once
// UDP peers for the UDP tunnel tests, on 127.0.0.1 with ephemeral ports.
//  - udp_peers::echo_target: a UDP target service on its own thread. It records every datagram it receives
//    (with its sender's port) and, unless told otherwise, sends it straight back to its sender: one datagram
//    in, the same datagram out, zero-length ones included.
//  - udp_peers::caller: an external peer of a UDP listener, a socket of its own on 127.0.0.1.
//  - udp_peers::port_in_use: whether a UDP socket holds 127.0.0.1:port (to see that a tunnel client closed
//    the socket of a session).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunely::test::udp_peers {

struct datagram {
    std::uint16_t source_port = 0;
    std::string bytes;
};

class echo_target {
public:
    echo_target();  // throws when no socket can be bound
    ~echo_target();
    echo_target(const echo_target&) = delete;
    echo_target& operator=(const echo_target&) = delete;

    std::uint16_t port() const noexcept;
    std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

    // Every datagram received so far, in order.
    std::vector<datagram> received() const;
    std::size_t count() const;
    // Waits until at least `n` datagrams were received; false at the timeout.
    bool wait_count(std::size_t n, std::chrono::milliseconds timeout) const;
    // The distinct source ports seen, in order of their first datagram.
    std::vector<std::uint16_t> sources() const;
    // Whether received datagrams are echoed (on by default).
    void echo(bool on);
    // Sends `bytes` as one datagram from the target's socket to 127.0.0.1:port (the target speaking first).
    bool send_to(std::uint16_t port, std::string_view bytes);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

class caller {
public:
    explicit caller(std::uint16_t port);  // sends to 127.0.0.1:port; throws when no socket can be bound
    ~caller();
    caller(const caller&) = delete;
    caller& operator=(const caller&) = delete;

    // This socket's own port.
    std::uint16_t local_port() const noexcept { return local_port_; }
    void send(std::string_view bytes);
    // The next datagram received; nothing when none came within `timeout`.
    std::optional<std::string> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));

private:
    int fd_ = -1;
    std::uint16_t port_;
    std::uint16_t local_port_ = 0;
};

// Whether a UDP socket of this host has local port `port` (any address; from /proc/net/udp and udp6, else by a
// bind probe on 127.0.0.1).
bool port_in_use(std::uint16_t port);
// Waits until port_in_use(port) == in_use; returns whether it got there within `timeout`.
bool wait_port(std::uint16_t port, bool in_use, std::chrono::milliseconds timeout);

}  // namespace tunely::test::udp_peers
