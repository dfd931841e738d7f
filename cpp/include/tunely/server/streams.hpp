#pragma once
// The connection types the server serves: plain TCP, and TLS over TCP when the
// standalone server terminates TLS itself (--tls-cert/--tls-key). Functions
// that take a `Stream` are instantiated for exactly these two.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace tunely::server {

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

}  // namespace tunely::server
