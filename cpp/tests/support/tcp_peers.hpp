#pragma once
// Raw TCP peers for the TCP tunnel tests, on loopback with ephemeral ports.
//  - tcp_echo_target: a target service on its own thread. It echoes every byte; when its peer ends its
//    input (half-close), it writes "[eof after N bytes]" and closes. It counts the connections it has open.
//    A read of exactly target_shutdown_command makes it end its own output first (shutdown(SHUT_WR)) and
//    only count what arrives after, until its peer's end.
//  - tcp_caller: one blocking client connection with deadlines (the external side of a TCP listener).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tunely::test {

class tcp_echo_target {
public:
    tcp_echo_target();
    ~tcp_echo_target();
    std::uint16_t port() const noexcept;
    std::string address() const { return "127.0.0.1:" + std::to_string(port()); }
    // Connections accepted and not yet ended.
    int open_connections() const noexcept;
    // Connections accepted since the start.
    int accepted() const noexcept;
    // Bytes received on the connection that ended last.
    std::size_t last_total() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

inline constexpr std::string_view target_shutdown_command = "shutdown-write";

// The trailer tcp_echo_target writes after its peer's end of input.
std::string echo_trailer(std::size_t bytes);

class tcp_caller {
public:
    // Connects to 127.0.0.1:port (throws on failure).
    explicit tcp_caller(std::uint16_t port);
    ~tcp_caller();
    tcp_caller(tcp_caller&& other) noexcept;
    tcp_caller& operator=(tcp_caller&&) = delete;

    void write(std::string_view bytes);  // all of it (throws on error)
    void shutdown_write();
    // Reads exactly n bytes; fewer when the connection ends or the deadline passes (check .size()).
    std::string read_exact(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Reads until the peer closes; nothing when the deadline passed first.
    std::optional<std::string> read_to_end(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Waits until the peer closed (EOF or reset) or the deadline; true when it closed. Discards data.
    bool wait_closed(std::chrono::milliseconds timeout);

private:
    int fd_ = -1;
};

}  // namespace tunely::test
