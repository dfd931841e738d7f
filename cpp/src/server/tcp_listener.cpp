#include "tunely/server/tcp_listener.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "endpoint_text.hpp"
#include "raw_relay.hpp"
#include "socket_move.hpp"
#include "tunely/core/domain_name.hpp"
#include "tunely/core/error.hpp"
#include "tunely/server/listener_tls.hpp"
#include "tunely/server/server_tls.hpp"
#include "tunely/transport/run_on.hpp"

namespace tunely::server {
namespace beast = boost::beast;

std::optional<tcp_listen_spec> parse_tcp_listen(std::string_view text, std::string& problem) {
    tcp_listen_spec spec;
    std::string_view rest = text;
    if (rest.starts_with('[')) {  // [v6]:PORT:DOMAIN
        auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            problem = "expected [HOST]:PORT:DOMAIN";
            return std::nullopt;
        }
        spec.host = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 2);
    } else if (std::count(rest.begin(), rest.end(), ':') == 2) {
        auto colon = rest.find(':');
        spec.host = std::string(rest.substr(0, colon));
        rest.remove_prefix(colon + 1);
    }
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) {
        problem = "expected [HOST:]PORT:DOMAIN";
        return std::nullopt;
    }
    auto port_text = rest.substr(0, colon);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() || port > 65535) {
        problem = "the port must be a number from 0 to 65535";
        return std::nullopt;
    }
    spec.port = static_cast<std::uint16_t>(port);
    auto domain = normalize_domain(rest.substr(colon + 1));
    if (!domain) {
        problem = "invalid tunnel domain";
        return std::nullopt;
    }
    spec.domain = std::move(*domain);
    if (spec.host.empty() && text.starts_with('[')) {
        problem = "empty host";
        return std::nullopt;
    }
    return spec;
}

namespace {

// Opens the connection's exchange and relays it until either side ends it. Refused or unreachable: returns
// at once and the caller's connection closes.
template <class Stream>
awaitable<void> relay_connection(tunnel_server& server, Stream& stream, const std::string& domain,
                                 const std::string& peer) {
    request_head head;
    head.kind = stream_kind::tcp;
    head.method = "TCP";
    head.target = "/";
    head.has_body = true;
    boost::system::error_code ec;
    const auto local = beast::get_lowest_layer(stream).socket().local_endpoint(ec);
    if (!ec) {
        head.peer = peer;
        head.listener_port = local.port();
    }
    const auto connect_timeout = server.options().tcp_connect_timeout;
    const auto idle_timeout = server.options().tcp_idle_timeout;
    auto opened = server.open_exchange(domain, std::move(head));
    if (!opened) {
        // Refused: closed at once, nothing sent (as the original).
        spdlog::debug("TCP connection from {} for tunnel {} refused: {}", peer, domain, opened.error().message());
        co_return;
    }
    auto x = *opened;
    auto hold = server.hold_exchange();
    // Protocol 2: the client answers once its target connection is up (or resets the stream). The
    // external peer's first bytes wait in the socket meanwhile.
    auto answer = co_await x->read_head(std::chrono::steady_clock::now() + connect_timeout);
    if (!answer) {
        spdlog::debug("TCP connection from {} for tunnel {}: {}", peer, domain, answer.error().message());
        co_return;  // the socket closes: the target could not be reached
    }
    // A named variable, not a temporary in the co_await expression: GCC 12 can destroy a class temporary that
    // is a coroutine's by-value argument twice (seen here: the shared_ptr's count dropped to 0 under valgrind).
    raw_relay_options options{idle_timeout, server.traffic()};
    raw_traffic::add(options.traffic->tcp_connections, 1);
    beast::flat_buffer none;
    co_await relay_raw(stream, none, x, std::move(options));
}

}  // namespace

awaitable<void> serve_tcp_connection(tunnel_server& server, boost::asio::ip::tcp::socket socket, std::string domain) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    const auto peer = ec ? std::string() : endpoint_text(remote);
    // Held for the connection's life: the TLS stream's SSL refers to it.
    const auto tls = server.tcp_listener_tls();
    // The relay runs on the session's I/O thread, where its exchange lives: a plain connection moves there; a
    // TLS one does its handshake here and its relay hops there (its SSL state cannot move).
    if (!tls) {
        if (auto at = server.session_executor(domain); at && *at != socket.get_executor()) {
            auto moved = move_socket(socket, *at);
            if (!moved) co_return;
            auto there = serve_tcp_connection(server, std::move(*moved), std::move(domain));
            co_await transport::run_on(*at, std::move(there));
            co_return;
        }
        beast::tcp_stream stream(std::move(socket));
        co_await relay_connection(server, stream, domain, peer);
        co_return;
    }
    tls_stream stream(beast::tcp_stream(std::move(socket)), tls->context());
    // The handshake comes first: a caller that fails it costs the tunnel nothing (no exchange, nothing sent).
    if (auto failed = co_await accept_tls(stream)) {
        spdlog::debug("TCP connection from {} for tunnel {}: TLS handshake failed: {}", peer, domain,
                      failed.message());
        co_return;
    }
    auto relay = relay_connection(server, stream, domain, peer);
    co_await server.on_session(domain, std::move(relay));
    co_await close_tls(stream);
}

}  // namespace tunely::server
