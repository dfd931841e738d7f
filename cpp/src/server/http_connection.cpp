#include "tunely/server/http_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <climits>
#include <memory>
#include <optional>
#include <type_traits>

#include <boost/beast/http.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "error_page.hpp"
#include "ingress.hpp"
#include "request_head_check.hpp"
#include "socket_move.hpp"
#include "tunely/core/domain_name.hpp"
#include "tunely/core/http_field.hpp"
#include "tunely/transport/run_on.hpp"

namespace tunely::server {
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct ingress_route {
    std::string domain;
    std::string target;
};

// `/t/{domain}[/rest][?query]` → ("domain", "/rest?query"). The domain segment
// is validated by the caller.
std::optional<ingress_route> path_route(std::string_view target) {
    if (target.substr(0, 3) != "/t/") return std::nullopt;
    auto rest = target.substr(3);
    auto end = rest.find_first_of("/?");
    ingress_route r{std::string(rest.substr(0, end)), "/"};
    if (end != std::string_view::npos) {
        auto remainder = rest.substr(end);
        r.target = remainder.front() == '?' ? "/" + std::string(remainder) : std::string(remainder);
    }
    return r;
}

}  // namespace

namespace {

// A peer that stops reading (its receive window stays at zero) or vanishes is cut
// by the kernel once sent data has waited `timeout` for acknowledgement
// (Linux applies TCP_USER_TIMEOUT to zero-window probes too): a write deadline
// that costs nothing per write. Best effort: where the option is missing, the
// other deadlines (heartbeat, request timeout) still apply.
void set_send_deadline(asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout) {
#ifdef TCP_USER_TIMEOUT
    unsigned ms = static_cast<unsigned>(std::min<std::int64_t>(timeout.count(), UINT_MAX));
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
#else
    (void)socket;
    (void)timeout;
#endif
}

// The caller's address for X-Forwarded-For: read once per connection (a getpeername() per request was
// one syscall in seven on the hot path).
template <class Stream>
std::string remote_ip(Stream& stream) {
    boost::system::error_code ec;
    auto ep = beast::get_lowest_layer(stream).socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
}

// What a caller connection carries from one request to the next, on the heap so that the connection can move
// to another I/O thread with it (a head already parsed included).
struct caller_state {
    beast::flat_buffer buffer;
    std::optional<header_parser> parser;  // the request whose head was read; reset once it was served
    std::string caller_ip;
};

template <class Stream>
awaitable<void> serve_connection(tunnel_server& server, Stream stream, fallback_handler fallback,
                                 connection_options options, std::unique_ptr<caller_state> st = nullptr) {
    // Cancellation (the accept loop's task_group, at shutdown) ends the operation in progress with
    // operation_aborted, which every step handles; nothing throws for it, so the joins below (the
    // ingress upload) still run before this frame unwinds.
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto here = co_await asio::this_coro::executor;
    if (!st) {
        st = std::make_unique<caller_state>();
        set_send_deadline(beast::get_lowest_layer(stream).socket(), server.options().send_timeout);
        st->caller_ip = remote_ip(stream);
    }
    const std::string& caller_ip = st->caller_ip;
    beast::flat_buffer& buffer = st->buffer;
    for (;;) {
        if (!st->parser) {  // else: read before the connection moved here
            auto& parser = st->parser.emplace();
            parser.header_limit(static_cast<std::uint32_t>(server.options().max_header_bytes));
            parser.body_limit(boost::none);
            beast::get_lowest_layer(stream).expires_after(options.header_timeout);  // the whole head, not per read
            auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple_awaitable);
            (void)n;
            beast::get_lowest_layer(stream).expires_never();
            if (ec == http::error::header_limit) {
                co_await write_error(stream, 431, "Request header fields too large", false);
                break;
            }
            if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
                ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated ||
                ec == asio::error::operation_aborted)
                break;
            if (ec) {
                co_await write_error(stream, 400, "Bad request: " + ec.message(), false);
                break;
            }
            if (auto bad = check_request_head(parser); !bad.empty()) {
                co_await write_error(stream, 400, "Bad request: " + bad, false);
                break;
            }
        }
        auto& parser = *st->parser;
        auto& req = parser.get();
        std::string_view target = req.target();
        auto path = target.substr(0, target.find('?'));

        if (beast::websocket::is_upgrade(req) && path == server.options().ws_path) {
            auto upgrade = parser.release();
            if (options.sessions) {
                // The session stays on this connection's I/O thread; its callers come to it.
                auto session = server.serve_websocket(std::move(stream), std::move(upgrade));
                options.sessions->spawn(here, std::move(session), "tunnel session " + caller_ip);
                co_return;
            }
            co_await server.serve_websocket(std::move(stream), std::move(upgrade));
            co_return;
        }

        std::optional<ingress_route> route;
        if (auto host_domain = server.domain_from_host(req[http::field::host])) {
            route = ingress_route{*host_domain, normalize_target(target)};
        } else if (auto by_path = path_route(target)) {
            auto domain = normalize_domain(by_path->domain);
            if (!domain) {
                const bool keep = req.keep_alive() && !parser.chunked() && !parser.content_length();
                const bool written = co_await write_error(stream, 400, "Invalid domain", keep, req.version(),
                                                          wants_html(req[http::field::accept]));
                st->parser.reset();
                if (!written) break;
                continue;
            }
            // Dot-segments go before the path reaches the client, which joins it to its base path.
            route = ingress_route{*domain, normalize_target(by_path->target)};
        }
        if (route) {
            if (route->target.empty() || route->target.front() != '/') {
                co_await write_error(stream, 400, "Path must start with '/'", false, req.version(),
                                     wants_html(req[http::field::accept]));
                break;
            }
            // The exchange is served on its session's I/O thread. A plain connection moves there for good
            // (its next requests most likely go to the same tunnel: no hop per request); a TLS one cannot
            // leave its SSL state behind, so each of its requests hops there and back.
            const auto at = server.session_executor(route->domain);
            if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
                if (at && *at != here) {
                    if (auto moved = move_socket(stream.socket(), *at)) {
                        beast::tcp_stream there(std::move(*moved));
                        auto rest = serve_connection(server, std::move(there), std::move(fallback), options,
                                                     std::move(st));
                        co_await transport::run_on(*at, std::move(rest));
                    }
                    co_return;
                }
            }
            bool keep;
            if (at && *at != here) {
                auto exchange = serve_ingress(server, stream, buffer, parser, std::move(route->domain),
                                              std::move(route->target), caller_ip);
                keep = co_await transport::run_on(*at, std::move(exchange));
            } else {
                keep = co_await serve_ingress(server, stream, buffer, parser, std::move(route->domain),
                                              std::move(route->target), caller_ip);
            }
            st->parser.reset();
            if (!keep) break;
            continue;
        }

        http::request_parser<http::string_body> full(std::move(parser));
        st->parser.reset();
        full.body_limit(options.max_fallback_body);
        // The admin body is small: the head's deadline covers it too (a caller promising a body and
        // sending part of it holds the connection no longer than a slow head).
        beast::get_lowest_layer(stream).expires_after(options.header_timeout);
        auto [rec, rn] = co_await http::async_read(stream, buffer, full, as_tuple_awaitable);
        (void)rn;
        beast::get_lowest_layer(stream).expires_never();
        if (rec == http::error::body_limit) {
            co_await write_error(stream, 413, "Request body too large", false);
            break;
        }
        if (rec) break;
        auto request = full.release();
        // Held until the answer is written: a graceful shutdown lets an admin call in flight (a forward()
        // through a tunnel included) finish within the grace, as it does for ingress exchanges.
        auto hold = server.hold_exchange();
        // The admin API runs on the server's main executor (its state is not shared between threads).
        const auto admin_executor = server.get_executor();
        http_response response;
        if (admin_executor == here) {
            response = co_await fallback(request);
        } else {
            auto answer = fallback(request);
            response = co_await transport::run_on(admin_executor, std::move(answer));
        }
        response.keep_alive(response.keep_alive() && request.keep_alive());
        response.prepare_payload();
        auto [wec, wn] = co_await http::async_write(stream, response, as_tuple_awaitable);
        (void)wn;
        if (wec || !response.keep_alive()) break;
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace

awaitable<void> serve_http_connection(tunnel_server& server, beast::tcp_stream stream, fallback_handler fallback,
                                      connection_options options) {
    return serve_connection(server, std::move(stream), std::move(fallback), options);
}

awaitable<void> serve_http_connection(tunnel_server& server, tls_stream stream, fallback_handler fallback,
                                      connection_options options) {
    return serve_connection(server, std::move(stream), std::move(fallback), options);
}

}  // namespace tunely::server
