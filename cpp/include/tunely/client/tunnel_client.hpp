#pragma once
// The tunnel client: connects to a tunnel server, authenticates, serves the
// requests it receives by calling the target, and reconnects with backoff.
// Speaks protocol 2 when the server offers it, 1.1 otherwise.
//
// Thread-safety: run() and stop() on the executor given at construction.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "tunely/client/backoff.hpp"
#include "tunely/core/result.hpp"
#include "tunely/core/secret.hpp"
#include "tunely/core/version.hpp"
#include "tunely/transport/asio.hpp"

namespace tunely::client {

struct client_options {
    std::string server_url = "ws://localhost:8080/ws/tunnel";
    secret token;
    std::string target_url = "http://localhost:8090";
    // Where raw TCP streams go (protocol 2 `tunely/2+tcp`, and an original 0.12 server's TCP mode):
    // "HOST:PORT", IPv6 in brackets ("[::1]:22"). Empty: derived from target_url (tcp_target_of).
    std::string tcp_target;
    // Where UDP sessions go (protocol 2 `tunely/2+udp`, and an original 0.12 server's `udp`): "HOST:PORT" as
    // tcp_target. Empty: derived from target_url the same way (udp_target_of), as the original does.
    std::string udp_target;
    bool force = false;
    bool offer_v2 = true;
    backoff_policy reconnect;
    int max_reconnect_attempts = 0;  // 0 = unlimited
    std::chrono::milliseconds ping_interval{25'000};
    std::chrono::milliseconds idle_timeout{45'000};  // reconnect when nothing arrives this long
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds default_request_timeout{300'000};
    // After the target's response head: the longest wait for its next body bytes (a stalled target
    // holds a stream and a connection no longer). Upgraded (WebSocket) streams have no such limit.
    std::chrono::milliseconds target_read_timeout{300'000};
    std::size_t v1_max_body = 10u * 1024 * 1024;
    std::size_t max_idle_target_connections = 64;
    std::string client_version = tunely::version;
    // wss:// servers: the certificate is verified against the system's CAs (and
    // `ca_file` when set) and the server's host name; `insecure` skips both.
    std::string ca_file;
    bool insecure = false;
};

// Raw TCP connections relayed at once per session, by either protocol (as --max-streams-per-session on
// the server): beyond it a server's new connection is refused (1.1: tcp_close with an error; protocol 2:
// RESET refused), not given a target connection.
inline constexpr std::size_t max_tcp_connections = 1024;
// UDP sessions relayed at once per session, by either protocol (the original's per-tunnel default): beyond
// it a server's new session is refused (1.1: udp_close with a reason; protocol 2: RESET refused).
inline constexpr std::size_t max_udp_sessions = 256;

struct host_port {
    std::string host;  // a name or an address (IPv6 without brackets)
    std::string port;  // decimal, 1…65535
    bool operator==(const host_port&) const = default;
};

// Parses "HOST:PORT" (IPv6 in brackets: "[::1]:22"). Errors: invalid_field.
result<host_port> parse_host_port(std::string_view text);
// Where a raw tunnel goes: `configured` ("HOST:PORT") when set, else the host of `target_url` and its port
// (else 443 for https, 80 for http). The one derivation of the TCP and the UDP target. Errors: invalid_field.
result<host_port> raw_target_of(std::string_view configured, std::string_view target_url);
// The raw TCP target (options.tcp_target, else from target_url): both protocols' TCP relays get it here.
result<host_port> tcp_target_of(const client_options& options);
// The UDP target (options.udp_target, else from target_url): both protocols' UDP relays get it here.
result<host_port> udp_target_of(const client_options& options);

// A summary per exchange for on_request. A raw TCP stream is reported once, when it ends: method "TCP",
// path the external peer's address (the OPEN's `tunely-peer` field, else its target), status 200 once
// the target connection was up (0 when it never was), duration the connection's lifetime. A protocol-2
// UDP session likewise, with method "UDP" (status 200 once its socket was connected to the UDP target).
struct request_summary {
    std::string method;
    std::string path;
    unsigned status = 0;  // 0 when the exchange failed before a status
    std::chrono::milliseconds duration{0};
    std::string error;
};

struct client_events {
    std::function<void(const std::string& domain, int protocol)> on_connect;
    std::function<void(const std::string& reason)> on_disconnect;
    std::function<void(std::chrono::milliseconds delay, int attempt)> on_reconnecting;
    std::function<void(const request_summary&)> on_request;
    std::function<void(const std::string& message)> on_error;
};

class tunnel_client {
public:
    tunnel_client(executor ex, client_options options, client_events events = {});
    ~tunnel_client();

    // Runs until stop(), a fatal error or max_reconnect_attempts. Returns the
    // reason: {} after stop(); auth_failed or connection_exists when the
    // server refused us (never retried: a rejection needs a human).
    awaitable<std::error_code> run();
    void stop();

    bool connected() const noexcept;
    const std::string& domain() const noexcept;
    int protocol() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace tunely::client
