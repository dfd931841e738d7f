#pragma once
// Raw bytes both ways between a caller's connection and an exchange: after a
// 101 Switching Protocols (a WebSocket through the tunnel, spec/PROTOCOL.md
// §2.12), and for every connection of a TCP listener (§2.15).
//
// The caller's end of input ends the request direction (the client half-closes
// the target). The end of the response direction (the target closed) shuts the
// caller's connection down for writing; then, when the exchange carries
// half-close (protocol-2 TCP streams), the caller is still read until its own
// end, else reading stops. Over TLS the target's end ends both directions: the
// host then closes the session with close_notify (close_tls). Runs on the server's executor; returns once both
// directions and the idle watch have ended.
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <memory>

#include "tunely/server/exchange.hpp"
#include "tunely/server/raw_traffic.hpp"
#include "tunely/server/streams.hpp"

namespace tunely::server {

struct raw_relay_options {
    // Nothing carried either way this long: the exchange is cancelled (idle_timeout) and the caller's
    // connection closed. 0: no limit.
    std::chrono::milliseconds idle_timeout{0};
    // A TCP listener's connection: its bytes are counted here (tcp_bytes_in/out) as they move.
    std::shared_ptr<raw_traffic> traffic;
};

// `buffer` may hold bytes the caller sent after its request head: they go first.
// Stream: boost::beast::tcp_stream or tls_stream.
template <class Stream>
awaitable<void> relay_raw(Stream& stream, boost::beast::flat_buffer& buffer, std::shared_ptr<exchange> x,
                          raw_relay_options options);

}  // namespace tunely::server
