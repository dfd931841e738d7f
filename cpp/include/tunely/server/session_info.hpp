#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace tunely::server {

// What the admin API shows about a live session.
struct session_info {
    std::string domain;
    std::int64_t tunnel_id = 0;
    int protocol = 1;  // 1 = protocol 1.1, 2 = protocol 2
    bool upgrades = false;  // the client carries HTTP upgrades (capability tunely/2+upgrade)
    bool batching = false;  // frames may share WebSocket messages (capability tunely/2+batch)
    // Protocol 1.1 only: the client JSON-decodes `request.body` (an original Python client that announces
    // capabilities of its own in `auth`), so the server sends each body as a JSON string literal of its
    // exact text (spec/PROTOCOL.md §1.6).
    bool json_string_bodies = false;
    // The client carries TCP connections of TCP listeners: protocol 2 with tunely/2+tcp, or an original
    // 0.11+ client on 1.1 (tcp_connect/tcp_data/tcp_close, shared/compat/tunely-0.12.md §2).
    bool tcp = false;
    // The tunnel's mode when the session authenticated (as the original, read once): "tcp" tunnels serve
    // their TCP listener only; HTTP ingress answers 410.
    std::string mode = "http";
    // 1.1 only: tcp_data travels as binary messages both ways (capability binary_frames, 0.12 §2.5).
    bool binary_frames = false;
    std::int64_t tcp_connections = 0;  // TCP connections through the session now
    // The client carries UDP sessions of UDP listeners: protocol 2 with tunely/2+udp, or an original 0.12
    // client on 1.1 that negotiated udp and binary_frames (tunely-0.12.md §3).
    bool udp = false;
    std::int64_t udp_sessions = 0;  // UDP sessions (external peers) through the session now
    std::string remote_address;
    std::string client_version;
    std::chrono::system_clock::time_point connected_at{};
    std::int64_t bytes_in = 0;   // request body bytes sent to the client
    std::int64_t bytes_out = 0;  // response body bytes received from the client
    std::int64_t requests = 0;
};

}  // namespace tunely::server
