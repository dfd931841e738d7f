#pragma once
// POST /api/tunnels/{domain}/forward on a tunnel in mode tcp (tunely-0.12.md §2.7): one TCP connection
// through the tunnel to its client's TCP target, opened as a TCP listener's connection is (a stream of kind
// tcp). The payload goes first; protocol 2 then ends our direction (half-close: the target sees its end of
// input, which an HTTP/1.0-style service needs before it answers); protocol 1.1 has no half-close, so, as
// the original, we never close first there. What the target sends until it closes is collected, at most
// server_options::tcp_forward_max_buffer bytes, and read as tcp_forward_reply.hpp says. One deadline — the
// envelope's timeout, else --request-timeout — covers connecting (never longer than --tcp-connect-timeout),
// sending and collecting.
//
// Outcomes: the client reports an error → 502 and its text; more than the cap → 502 "response too large";
// the deadline → the stream is closed (RESET / tcp_close), 504 "TCP forward timeout"; the tunnel lost → 502
// "tunnel disconnected". An error value: no stream could be opened (not connected, limits, shutting down).
//
// Runs on the tunnel server's executor; returns once everything it started has ended.
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "forward_outcome.hpp"
#include "tunely/core/result.hpp"
#include "tunely/server/tunnel_server.hpp"

namespace tunely::admin {

struct tcp_forward_request {
    std::optional<std::string> payload;    // nothing is sent when the envelope's body is null
    std::chrono::milliseconds timeout{0};  // 0: the server's request timeout
};

// The envelope's `body` as bytes for the target: a string as its UTF-8 text, null (or absent) as nothing,
// any other JSON value as its (compact) JSON text.
std::optional<std::string> tcp_forward_payload(const boost::json::value* body);

// `domain`: normalised; read before the first suspension only.
awaitable<result<forward_outcome>> tcp_forward(server::tunnel_server& server, const std::string& domain,
                                               tcp_forward_request request);

}  // namespace tunely::admin
