#pragma once
// Accepts a tunnel WebSocket, authenticates it (spec/PROTOCOL.md §1.3), picks
// the protocol version and runs the session until it ends.
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <atomic>

#include "auth_limiter.hpp"
#include "registry.hpp"
#include "tunely/server/options.hpp"
#include "tunely/server/store_executor.hpp"
#include "tunely/server/streams.hpp"

namespace tunely::server {

struct handshake_context {
    const server_options& options;
    store_executor& store;
    server::registry& registry;
    const std::atomic<bool>& stopping;
    auth_limiter& auth_failures;  // failed authentications per source address
};

// Stream: boost::beast::tcp_stream or tls_stream. `stream` and `upgrade` belong to the caller, which awaits
// this (tunnel_server::serve_websocket): by reference, so that no moved-from copy of the stream (Beast keeps
// an allocated state behind one, about 0.5 KiB) lives in this frame for the session's life. The WebSocket
// takes the stream; `upgrade` is cleared once accepted.
template <class Stream>
awaitable<void> run_tunnel_session(handshake_context ctx, Stream& stream,
                                   boost::beast::http::request<boost::beast::http::empty_body>& upgrade);

}  // namespace tunely::server
