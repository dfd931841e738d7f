#pragma once
// Admin endpoints added for the console (spec/ADMIN-API.md): the request
// history across tunnels with filters, and the dashboard's numbers.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tunely/admin/traffic_window.hpp"
#include "tunely/server/http_connection.hpp"
#include "tunely/server/tunnel_server.hpp"

namespace tunely::admin {

using query_lookup = std::function<std::optional<std::string>(std::string_view)>;

struct console_handlers {
    server::tunnel_server& server;
    const traffic_window* traffic;  // null: the series is all zeros

    // GET /api/requests?domain=&status=2xx|3xx|4xx|5xx|error&method=&q=&from=&to=&limit=&offset=
    awaitable<server::http_response> requests(const query_lookup& query);
    // GET /api/stats?minutes=60
    awaitable<server::http_response> stats(const query_lookup& query);
};

}  // namespace tunely::admin
