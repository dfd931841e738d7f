#pragma once
// The target side of one UDP session, the same for both protocols (protocol 2 raw UDP streams, spec §2.15;
// an original 0.12 server's udp_open sessions, tunely-0.12.md §3): a UDP socket connected to the client's UDP
// target, the datagrams for it queued in order (held while the socket is being connected), one datagram per
// message both ways, boundaries kept, zero-length datagrams included.
//
// UDP may lose: nothing here waits for room. A datagram that finds the queue full is dropped, and the
// receiver's `deliver` decides on its own whether a datagram from the target goes on (credit, outbox room).
// Errors that UDP reports for an earlier datagram (ICMP: refused, unreachable; a datagram too large, no buffer
// space) drop that datagram and the session goes on; any other socket error ends it.
//
// Ownership: the session's coroutine and the session's table hold it by shared_ptr; stop() (RESET, udp_close,
// the connection's end) closes the socket at once, which frees its port and ends both loops.
// Not thread-safe: one executor.
#include <boost/asio/ip/udp.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "tunely/transport/asio.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::client {

// The largest UDP payload (IPv4: 65 535 − 20 − 8); a larger datagram (IPv6 allows a few bytes more) is dropped.
inline constexpr std::size_t max_udp_datagram = 65'507;

class udp_target_session {
public:
    // Datagrams waiting for the target: at most `max_datagrams` and `max_bytes` (beyond: dropped).
    static constexpr std::size_t max_datagrams = 1024;
    static constexpr std::size_t max_bytes = 256 * 1024;

    explicit udp_target_session(const executor& ex) : socket_(ex), changed_(ex) {}

    boost::asio::ip::udp::socket& socket() noexcept { return socket_; }

    // Queues one datagram for the target (empty: a zero-length datagram). False, and dropped, when the
    // queue is full or the session is over.
    bool push(std::string datagram);
    // The peer ended its direction (protocol 2 END_STREAM): send() returns once the queue is drained.
    void finish();
    bool finished() const noexcept { return finished_; }
    // Ends the session: closes the socket (pending operations end), drops the queue. Idempotent (each call
    // closes the socket again).
    void stop();
    bool stopped() const noexcept { return stopped_; }

    // Target → peer, after the socket was connected: `deliver` gets each datagram received, until stop()
    // or a fatal socket error (returned; {} after stop()).
    awaitable<boost::system::error_code> receive(const std::function<void(std::string_view)>& deliver);
    // Peer → target: the queued datagrams in order, `sent(size)` after each one (sent or lost), until stop(),
    // finish() with the queue drained, or a fatal socket error (returned).
    awaitable<boost::system::error_code> send(const std::function<void(std::size_t)>& sent);

    // Errors UDP reports without the session being broken (for an earlier datagram, or for this one alone).
    static bool transient(const boost::system::error_code& ec) noexcept;

private:
    boost::asio::ip::udp::socket socket_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    transport::notifier changed_;
    bool finished_ = false;
    bool stopped_ = false;
};

}  // namespace tunely::client
