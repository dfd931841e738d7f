#pragma once
// TCP listeners (spec/PROTOCOL.md §2.15; the original's WS_TUNNEL_TCP_LISTEN, tunely-0.12.md §2.2): every
// connection accepted on a listener's port travels through the live session of the listener's tunnel to
// the tunnel client, which connects it to its TCP target.
//
// The host application owns the acceptor and the accept loop (as it does for HTTP) and hands each
// accepted socket to serve_tcp_connection(). Runs on the tunnel server's executor.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tunely/server/tunnel_server.hpp"

namespace tunely::server {

// One listener: where it binds and whose tunnel it serves.
struct tcp_listen_spec {
    std::string host;  // empty: the caller's default
    std::uint16_t port = 0;
    std::string domain;
    bool operator==(const tcp_listen_spec&) const = default;
};

// "[HOST:]PORT:DOMAIN" (IPv6 hosts in brackets: "[::1]:7000:db"). Nothing (and `problem` says why) when
// malformed: a port outside 0–65535, an invalid domain.
std::optional<tcp_listen_spec> parse_tcp_listen(std::string_view text, std::string& problem);

// Relays one accepted connection through the domain's session until either side ends it, the idle
// timeout (server_options::tcp_idle_timeout) or the server's shutdown. Refused (the tunnel is offline,
// its client carries no TCP, its connection limit is reached): the socket is closed at once, nothing sent.
// With tunnel_server::tcp_listener_tls() set, the connection's TLS handshake comes first (within
// tls_handshake_timeout; a failure closes it before anything is opened or sent) and the bytes relayed are
// the plain ones; the end is a bounded close_notify exchange (close_tls).
awaitable<void> serve_tcp_connection(tunnel_server& server, boost::asio::ip::tcp::socket socket, std::string domain);

}  // namespace tunely::server
