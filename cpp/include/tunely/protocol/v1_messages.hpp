#pragma once
// Protocol 1.1 messages (shared/compat/tunely-1.1-wire.md, spec/PROTOCOL.md §1).
// Field defaults are the protocol's defaults for absent fields.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tunely/core/header_list.hpp"

namespace tunely::protocol::v1 {

struct auth {
    std::string token;
    std::string client_version = "0.1.0";
    bool force = false;
    std::vector<std::string> capabilities;
    bool operator==(const auth&) const = default;
};

struct auth_ok {
    std::string domain;
    std::string tunnel_id;
    std::string server_version;
    std::vector<std::string> capabilities;  // omitted on the wire when empty
    bool operator==(const auth_ok&) const = default;
};

struct auth_error {
    std::string error;
    std::string code = "auth_failed";
    bool operator==(const auth_error&) const = default;
};

// Header maps are JSON objects (string → string); header_list keeps their order.
struct request {
    std::string id;
    std::string method;
    std::string path;
    header_list headers;
    std::optional<std::string> body;
    double timeout = 1800.0;  // seconds
    std::string timestamp;    // omitted when empty
    bool operator==(const request&) const = default;
};

struct response {
    std::string id;
    int status = 0;
    header_list headers;
    std::optional<std::string> body;
    std::optional<std::string> error;
    std::int64_t duration_ms = 0;
    bool operator==(const response&) const = default;
};

struct stream_start {
    std::string id;
    int status = 0;
    header_list headers;
    bool operator==(const stream_start&) const = default;
};

struct stream_chunk {
    std::string id;
    std::string data;
    std::int64_t sequence = 0;
    bool operator==(const stream_chunk&) const = default;
};

struct stream_end {
    std::string id;
    std::optional<std::string> error;
    std::int64_t duration_ms = 0;
    std::int64_t total_chunks = 0;
    bool operator==(const stream_end&) const = default;
};

struct ping {
    std::string timestamp;
    bool operator==(const ping&) const = default;
};

struct pong {
    std::string timestamp;
    bool operator==(const pong&) const = default;
};

struct tcp_connect {
    std::string conn_id;
    bool operator==(const tcp_connect&) const = default;
};

struct tcp_data {
    std::string conn_id;
    std::string data;  // base64 text, as on the wire
    std::int64_t sequence = 0;
    bool operator==(const tcp_data&) const = default;
};

struct tcp_close {
    std::string conn_id;
    std::optional<std::string> error;
    bool operator==(const tcp_close&) const = default;
};

// UDP tunnels of the original 0.12 (tunely-0.12.md §3): a session per external peer; its datagrams travel
// as binary udp_data messages (v1_binary.hpp).
struct udp_open {
    std::string session_id;
    bool operator==(const udp_open&) const = default;
};

struct udp_close {
    std::string session_id;
    std::optional<std::string> reason;
    bool operator==(const udp_close&) const = default;
};

using message = std::variant<auth, auth_ok, auth_error, request, response, stream_start,
                             stream_chunk, stream_end, ping, pong, tcp_connect, tcp_data,
                             tcp_close, udp_open, udp_close>;

// The wire name of the message's "type" field.
const char* type_name(const message& m) noexcept;

}  // namespace tunely::protocol::v1
