#pragma once
// Relays one external request through a tunnel, streaming both bodies.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "tunely/server/streams.hpp"
#include "tunely/server/tunnel_server.hpp"

namespace tunely::server {

using header_parser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

// Returns whether the connection may serve another request (keep-alive).
// Stream (here and below): boost::beast::tcp_stream or tls_stream. `caller_ip`: the connection's peer
// address (X-Forwarded-For), read once per connection; it must outlive the call.
template <class Stream>
awaitable<bool> serve_ingress(tunnel_server& server, Stream& stream,
                              boost::beast::flat_buffer& buffer, header_parser& parser,
                              std::string domain, std::string target, std::string_view caller_ip);

// Writes a small error response: {"error": text}, or an HTML page when `html` (the caller's Accept prefers
// HTML: error_page.hpp).
template <class Stream>
awaitable<bool> write_error(Stream& stream, unsigned status, std::string_view text,
                            bool keep_alive, unsigned version = 11, bool html = false);

}  // namespace tunely::server
