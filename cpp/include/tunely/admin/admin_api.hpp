#pragma once
// The admin API (spec/ADMIN-API.md): the original's paths and shapes under
// /api/, the console's /api/requests and /api/stats, /health, /healthz, and
// the console's files at /admin/. Requires `x-api-key` (or `Authorization:
// Bearer`) on everything but the health and info endpoints and the console files.
//
// Thread-safety: handle() runs on the tunnel server's executor.
#include <memory>
#include <optional>

#include "tunely/core/secret.hpp"
#include "tunely/server/http_connection.hpp"
#include "tunely/server/tunnel_server.hpp"

namespace tunely::server {
class tcp_listeners;
class udp_listeners;
}

namespace tunely::admin {

class metrics;
class traffic_window;
class console_files;

struct admin_options {
    secret admin_key;            // never empty in the standalone server (generated at first start)
    std::string public_ws_url;   // shown by /api/info, e.g. ws://tunnel.example.com/ws/tunnel
    admin::metrics* metrics = nullptr;  // served at GET /metrics when set
    const traffic_window* traffic = nullptr;  // GET /api/stats's series; zeros when unset
    const console_files* console = nullptr;   // served at /admin/ when set
    std::string ws_scheme = "ws";             // of the URL /api/info shows when public_ws_url is empty
    // Runtime TCP ports (tcp_port on a tunnel): assigned, moved and released through it when set.
    server::tcp_listeners* tcp_listeners = nullptr;
    // Runtime UDP ports (udp_port), likewise. Both also list a tunnel's static listeners.
    server::udp_listeners* udp_listeners = nullptr;
    // GET / on the server's own host: this page as text/html when set (--root-response-file), else "OK" as
    // text/plain, as the original answers (load balancers' health checks often ask for /).
    std::optional<std::string> root_page;
};

class admin_api {
public:
    admin_api(server::tunnel_server& server, admin_options options);
    ~admin_api();

    awaitable<server::http_response> handle(server::http_request& request);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tunely::admin
