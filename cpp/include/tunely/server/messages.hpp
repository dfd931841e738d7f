#pragma once
// Request and response heads as the server hands them to a session.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tunely/core/header_list.hpp"

namespace tunely::server {

// What a stream carries: an HTTP exchange, the bytes of one connection to a TCP listener, or the
// datagrams of one peer of a UDP listener (spec/PROTOCOL.md §2.15; the original 0.12's tcp_connect and
// udp_open on 1.1 sessions).
enum class stream_kind { http, tcp, udp };

struct request_head {
    std::string method;
    std::string target;  // origin-form: "/path?query"
    header_list headers; // end-to-end fields only
    std::chrono::milliseconds timeout{0};  // 0 = the server's default
    bool has_body = true;  // false: no request body follows the head
    bool upgrade = false;  // an HTTP upgrade (WebSocket): after a 101 the stream carries raw bytes both ways
    // A tcp or udp stream: its external peer ("ip:port", IPv6 in brackets) and the listener's port, for the
    // client's information (protocol 2 sends them as tunely-peer / tunely-listener fields).
    std::string peer;
    std::uint16_t listener_port = 0;
    stream_kind kind = stream_kind::http;  // last: positional initialisers of HTTP heads stay valid
};

struct response_head {
    unsigned status = 0;
    header_list headers;
    bool has_body = true;  // false: the response ends with its head
    // The declared Content-Length, set by check_response_head() (one field left in `headers`).
    std::optional<std::uint64_t> content_length;
};

}  // namespace tunely::server
