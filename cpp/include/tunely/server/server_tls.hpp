#pragma once
// TLS the server terminates itself: on its HTTP port (--tls-cert/--tls-key) and on its TCP listeners
// (--listener-tls-cert/--listener-tls-key, listener_tls.hpp). The one place that loads a certificate and its
// key, and that runs the server side of a handshake and of a close.
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "tunely/server/streams.hpp"
#include "tunely/transport/asio.hpp"

namespace tunely::server {

// A certificate chain and its private key, PEM files.
struct tls_pem_files {
    std::string cert;
    std::string key;
};

// A server context (TLS 1.2 and later) with `files` loaded. Both names empty: nothing, and `problem` stays
// empty (TLS is off). Only one of them, a file that cannot be read or holds no usable PEM, a key that does not
// match the certificate: nothing, and `problem` says why, naming the option (`cert_option` / `key_option`, e.g.
// "--tls-cert") and the file — the reason is OpenSSL's one line, nothing more.
std::optional<boost::asio::ssl::context> load_tls_server_context(const tls_pem_files& files,
                                                                 std::string_view cert_option,
                                                                 std::string_view key_option, std::string& problem);

// How long a peer has to complete the TLS handshake after it connected.
inline constexpr std::chrono::seconds tls_handshake_timeout{10};
// How long, at the end of a connection, a peer has to answer our close_notify with its own.
inline constexpr std::chrono::seconds tls_close_timeout{5};

// The server side of the handshake on an accepted connection, within tls_handshake_timeout; the stream has no
// deadline afterwards. Returns what failed (nothing: the handshake is done); the caller then closes the
// connection.
awaitable<boost::system::error_code> accept_tls(tls_stream& stream);

// Ends TLS on a connection: our close_notify, then the peer's, within tls_close_timeout. Best effort (a peer
// already gone, a socket already shut down for writing end it at once); never throws on I/O errors.
awaitable<void> close_tls(tls_stream& stream);

}  // namespace tunely::server
