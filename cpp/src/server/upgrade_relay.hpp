#pragma once
// After a 101 Switching Protocols (a WebSocket through the tunnel): the
// caller's connection and the exchange carry raw bytes both ways
// (spec/PROTOCOL.md §2.12) until the tunnel side ends.
//
// The caller's end of input ends the request direction (the client half-closes
// the target); the end of the response direction (the target closed) shuts the
// caller's connection down and stops reading from it. Runs on the server's executor.
#include <boost/beast/core/flat_buffer.hpp>

#include <memory>

#include "tunely/server/exchange.hpp"
#include "tunely/server/streams.hpp"

namespace tunely::server {

// `buffer` may hold bytes the caller sent after its request head: they go first.
// Stream: boost::beast::tcp_stream or tls_stream.
template <class Stream>
awaitable<void> relay_upgraded(Stream& stream, boost::beast::flat_buffer& buffer, std::shared_ptr<exchange> x);

}  // namespace tunely::server
