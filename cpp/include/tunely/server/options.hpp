#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tunely/core/version.hpp"

namespace tunely::server {

struct server_options {
    std::string ws_path = "/ws/tunnel";
    std::string base_domain = "localhost";  // ingress by Host: {domain}.{base_domain}
    std::string server_version = tunely::version;
    bool offer_v2 = true;                   // negotiate protocol 2 when a client offers it
    std::chrono::milliseconds auth_timeout{30'000};
    std::chrono::milliseconds ping_interval{30'000};
    std::chrono::milliseconds idle_timeout{90'000};  // close a session silent this long
    std::chrono::milliseconds request_timeout{300'000};  // until the response head arrives
    std::size_t v1_max_body = 10u * 1024 * 1024;  // protocol 1.1 buffers whole bodies
    std::size_t max_header_bytes = 64u * 1024;    // ingress request head (431 beyond)
    // Sent data a caller (or tunnel client) leaves unacknowledged this long — it stopped reading or is
    // gone — ends its connection (TCP_USER_TIMEOUT on the accepted socket).
    std::chrono::milliseconds send_timeout{60'000};
    // Exchanges in flight per session (protocol 2 streams, 1.1 pending requests); beyond: 503. With
    // 256 KiB windows this bounds what one session can make the server buffer (256 × 256 KiB).
    std::size_t max_streams_per_session = 256;
    // The session's outgoing queue: frames and bytes queued for a client that does not read
    // (replies to pings, WINDOW, RESET, OPEN); beyond either, the session is closed.
    std::size_t max_queued_frames = 16 * 1024;
    std::size_t max_queued_bytes = 32u * 1024 * 1024;
    // Protocol 1.1 has no flow control: stream_chunk bytes buffered for a caller that reads slower
    // than they arrive; beyond this, that caller's response is cut.
    std::size_t v1_stream_buffer = 8u * 1024 * 1024;
    // Test hook: the first protocol-2 stream id of a session (odd; 1 in production).
    std::uint64_t first_stream_id = 1;
    // Failed tunnel authentications allowed per source address and minute; then
    // that address is refused without asking the store (server/auth_limiter.hpp). 0: no limit.
    std::size_t auth_failures_per_minute = 10;
    // TCP listeners (spec/PROTOCOL.md §2.15): connections per tunnel, all listeners together (0: no limit);
    // beyond, the accepted connection is closed at once.
    std::size_t max_tcp_connections = 1024;
    // A TCP connection that carried nothing in either direction this long is closed (0: never).
    std::chrono::milliseconds tcp_idle_timeout{300'000};
    // UDP listeners: sessions (external peers) per tunnel (0: no limit; beyond, a new peer's datagrams are
    // dropped), and how long a session lives without a datagram either way (0: for ever).
    std::size_t max_udp_sessions = 256;
    std::chrono::milliseconds udp_session_timeout{60'000};
    // How long the tunnel client has to connect to its target and answer (protocol 2 RESPONSE).
    std::chrono::milliseconds tcp_connect_timeout{30'000};
    // The admin API's /forward on a tunnel in mode tcp: bytes collected from the target at most (beyond:
    // 502 "response too large"; the original's WS_TUNNEL_TCP_FORWARD_MAX_BUFFER_BYTES).
    std::size_t tcp_forward_max_buffer = 10u * 1024 * 1024;
};

}  // namespace tunely::server
