#pragma once
// TLS on the server's TCP listeners (--listener-tls-cert/--listener-tls-key/--listener-tls-alpn; the original's
// WS_TUNNEL_LISTENER_TLS_*, tunely-0.12.md §2.2). Set on the tunnel server (set_tcp_listener_tls), it applies
// to every TCP listener — static and runtime-assigned, never UDP: each accepted connection completes a TLS
// handshake before its exchange opens, and the tunnel client's target gets the plain bytes.
#include <boost/asio/ssl/context.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunely::server {

// "h2, http/1.1" → {"h2", "http/1.1"} (entries trimmed, empty ones skipped); "none" (any case) or nothing → {}:
// no ALPN. Nothing, with `problem` saying why, when an entry is longer than 255 bytes or holds a byte that is
// not visible ASCII (0x21–0x7e).
std::optional<std::vector<std::string>> parse_alpn_list(std::string_view text, std::string& problem);

// The context the listeners' handshakes use, and the ALPN protocols it selects from.
//
// ALPN, as the original (Python's ssl module): the first protocol of ours, in our order, that the caller
// offers; when the caller offers ALPN and none of ours, the handshake goes on without ALPN (no alert). With
// no protocols of ours the server never answers ALPN.
class listener_tls {
public:
    // `alpn`: valid names (parse_alpn_list), in the server's order of preference.
    listener_tls(boost::asio::ssl::context context, const std::vector<std::string>& alpn);
    // The selection callback points into this object: it never moves.
    listener_tls(const listener_tls&) = delete;
    listener_tls& operator=(const listener_tls&) = delete;

    boost::asio::ssl::context& context() noexcept { return context_; }

private:
    // Length-prefixed (the wire form), the callback's argument. Declared before context_: it outlives it.
    std::string alpn_wire_;
    boost::asio::ssl::context context_;
};

}  // namespace tunely::server
