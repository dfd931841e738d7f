#pragma once
// The embeddable tunnel server. The host application owns the io_context, the
// listener and the routing; it hands WebSocket upgrade requests for the tunnel
// path to serve_websocket() and may call forward() / open_exchange() from its
// own HTTP handlers (see examples/embedded).
//
// Threads: the server may run on several I/O threads (tunely server --threads), each with an io_context of
// its own. A session runs on the executor of the connection it arrived on; open_exchange() and the exchanges
// it returns must be used on that session's executor (on_session() takes a coroutine there). The other
// members may be called from any thread, except shutdown() and on_exchange(): on the executor given at
// construction (the "main" one, where shutdown waits). The sink given to on_exchange() is called from every
// I/O thread. With one thread — the embedding host's usual setup — everything is on that one executor.
#include <boost/beast/core/tcp_stream.hpp>
#include "tunely/server/streams.hpp"
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunely/core/result.hpp"
#include "tunely/server/exchange.hpp"
#include "tunely/server/options.hpp"
#include "tunely/server/raw_traffic.hpp"
#include "tunely/server/session_info.hpp"
#include "tunely/server/store_executor.hpp"
#include "tunely/transport/asio.hpp"
#include "tunely/transport/run_on.hpp"

namespace tunely::server {

class listener_tls;

struct forward_request {
    std::string method = "GET";
    std::string target = "/";
    header_list headers;
    std::string body;
    std::chrono::milliseconds timeout{0};  // 0 = server default
};

struct forward_response {
    unsigned status = 0;
    header_list headers;
    // Read the body with body->read_body() until it yields an empty optional.
    std::shared_ptr<exchange> body;
};

// Called once per finished ingress exchange (request log and counters).
struct exchange_record {
    std::string domain;
    std::string method;
    std::string target;
    header_list request_headers;
    std::string request_body_start;   // first bytes only
    unsigned status = 0;
    header_list response_headers;
    std::string response_body_start;  // first bytes only
    std::string error;
    std::chrono::milliseconds duration{0};
    std::int64_t bytes_in = 0;
    std::int64_t bytes_out = 0;
};

class tunnel_server {
public:
    tunnel_server(executor ex, std::shared_ptr<store_executor> store, server_options options);
    ~tunnel_server();
    tunnel_server(const tunnel_server&) = delete;
    tunnel_server& operator=(const tunnel_server&) = delete;

    const server_options& options() const noexcept;
    executor get_executor() const;

    // Accepts the upgrade, authenticates the tunnel client and serves the
    // session until it ends.
    awaitable<void> serve_websocket(boost::beast::tcp_stream stream,
                                    boost::beast::http::request<boost::beast::http::empty_body> upgrade);
    // The same on a connection whose TLS handshake the host application already did.
    awaitable<void> serve_websocket(tls_stream stream,
                                    boost::beast::http::request<boost::beast::http::empty_body> upgrade);

    // Opens a streaming exchange on the domain's live session. On that session's executor (on_session()).
    // Errors: invalid_domain, tunnel_not_connected, headers_too_large, shutting_down.
    result<std::shared_ptr<exchange>> open_exchange(std::string_view domain, request_head head);

    // The executor of the domain's live session; none when it has none (or the name is invalid).
    std::optional<executor> session_executor(std::string_view domain) const;
    // Runs `task` on the executor of the domain's live session, or on the main executor when it has none
    // (open_exchange() then fails as it would anywhere): always a hop, for paths off the hot one. The caller
    // stays suspended until `task` ended, so it may use the caller's locals (transport/run_on.hpp).
    template <class T>
    awaitable<T> on_session(std::string_view domain, awaitable<T> task) {
        return transport::run_on(session_executor(domain).value_or(get_executor()), std::move(task));
    }

    // Why open_exchange() found no live session for `domain` (a valid, normalized name): tunnel_not_found when
    // the store has no such tunnel, else tunnel_not_connected (also when the store cannot say now: it is
    // unreachable or too many lookups run). Answers are remembered for 2 s (server/known_tunnels.hpp).
    awaitable<std::error_code> no_session_reason(std::string domain);

    // Sends one request with a whole body and waits for the response head. On the session's executor, like
    // the reads of the body that follow (on_session()).
    awaitable<result<forward_response>> forward(std::string_view domain, forward_request request);

    // Maps a Host header to a tunnel domain ({domain}.{base_domain}[:port]).
    std::optional<std::string> domain_from_host(std::string_view host) const;

    // Live state for the admin API.
    std::optional<session_info> live(std::string_view domain) const;
    std::vector<session_info> live_sessions() const;
    std::size_t connected_count() const;
    std::size_t in_flight(std::string_view domain) const;

    // Closes the domain's live session (token rotated, tunnel disabled/deleted).
    bool disconnect(std::string_view domain, std::string reason);
    // The tunnel's mode changed (admin API): its live session, if any, follows at once.
    void set_mode(std::string_view domain, std::string mode);
    // Graceful stop, in order: no new sessions or exchanges (shutting_down); every
    // session goes away (GOAWAY on protocol 2) and closes once its exchanges in
    // flight have ended; exchanges held with hold_exchange() are waited for too.
    // After `grace` the sessions still open are closed (1001) and their exchanges
    // fail. Returns once everything ended, at most about 2 s after the grace.
    awaitable<void> shutdown(std::chrono::milliseconds grace);

    // Held by whoever serves an exchange to a caller until its last byte is
    // written (ingress does): shutdown() waits for every hold within its grace.
    using exchange_hold = std::shared_ptr<void>;
    exchange_hold hold_exchange();

    // Receives a record of every exchange served through ingress. `details`: whether the records carry the
    // headers and the first body bytes (a request log needs them; counters do not, and copying them cost
    // allocations on every request).
    void on_exchange(std::function<void(exchange_record)> sink, bool details = true);
    void record(exchange_record rec) const;
    bool records_details() const noexcept;

    store_executor& store() noexcept;

    // TLS terminated on the TCP listeners' connections (serve_tcp_connection); none, the default: plain TCP.
    // Set before the listeners accept.
    void set_tcp_listener_tls(std::shared_ptr<listener_tls> tls);
    std::shared_ptr<listener_tls> tcp_listener_tls() const;

    // The TCP and UDP listeners' traffic counters (shared: a connection may hold them as long as it runs).
    std::shared_ptr<raw_traffic> traffic() const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace tunely::server
