#pragma once
// Serves one accepted HTTP/1.1 connection for the standalone server: tunnel
// WebSocket upgrades, ingress (`/t/{domain}/…` and `Host: {domain}.{base}`),
// and everything else through `fallback` (the admin API). The caller owns the
// listener and spawns one of these per connection.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>

#include "tunely/server/streams.hpp"
#include "tunely/server/tunnel_server.hpp"
#include "tunely/transport/task_group.hpp"

namespace tunely::server {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;
using fallback_handler = std::function<awaitable<http_response>(http_request&)>;

struct connection_options {
    std::size_t max_fallback_body = 1024 * 1024;  // admin API bodies (413 beyond)
    // A caller must deliver a complete request head within this after connecting or after
    // its previous response (the keep-alive wait included), else its connection is closed
    // without an answer: a caller dripping a head byte by byte holds a connection no longer.
    std::chrono::milliseconds header_timeout{60'000};
    // Where a tunnel WebSocket accepted on the connection goes on (spawned there, on the connection's executor),
    // so that the HTTP connection's coroutine and its state (parser, buffer: about 3 KiB) end with the upgrade
    // instead of living as long as the session. Null: the session runs inside the connection's coroutine.
    transport::task_group* sessions = nullptr;
};

awaitable<void> serve_http_connection(tunnel_server& server, boost::beast::tcp_stream stream,
                                      fallback_handler fallback, connection_options options = {});
// The same over TLS; the caller has done the TLS handshake.
awaitable<void> serve_http_connection(tunnel_server& server, tls_stream stream, fallback_handler fallback,
                                      connection_options options = {});

}  // namespace tunely::server
