#pragma once
// A UDP listener (spec/PROTOCOL.md §2.15; the original's WS_TUNNEL_UDP_LISTEN, tunely-0.12.md §3): every
// external peer address that sends a datagram to the listener's port becomes a UDP session — a stream of
// kind udp through the live session of the listener's tunnel to the tunnel client, which sends the
// datagrams to its UDP target from a socket of its own per session. One datagram is one datagram both ways.
//
// Datagrams are never queued here: each goes to the client at once or is dropped (the tunnel offline, its
// client without UDP, its session limit reached, no flow-control credit or outbox room). A session ends
// after server_options::udp_session_timeout without a datagram either way, when the client ends it, or
// when the tunnel's session goes.
//
// Ownership: run() owns the receive loop, the sweeper and one reply reader per UDP session, and returns
// once close() was called and all of them ended; it holds the listener (a shared_ptr) from the call on, so
// the caller may drop its own. Not thread-safe: the tunnel server's executor.
#include <boost/asio/ip/udp.hpp>

#include <memory>
#include <string>
#include <system_error>

#include "tunely/server/tunnel_server.hpp"

namespace tunely::server {

class udp_listener : public std::enable_shared_from_this<udp_listener> {
public:
    udp_listener(tunnel_server& server, boost::asio::ip::udp::socket socket, std::string domain);
    ~udp_listener();

    boost::asio::ip::udp::endpoint local_endpoint() const;
    const std::string& domain() const noexcept { return domain_; }
    // Serves until close(). Holds the listener (a shared_ptr) from this call until it returns.
    awaitable<void> run();
    // Stops receiving (the port is free on return) and ends every UDP session with `why` (the client is
    // told: udp_close over 1.1, RESET over protocol 2). Idempotent.
    void close(std::error_code why);

private:
    static awaitable<void> serve(std::shared_ptr<udp_listener> self);

    struct impl;
    std::unique_ptr<impl> impl_;
    std::string domain_;
};

}  // namespace tunely::server
