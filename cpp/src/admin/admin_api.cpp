#include "tunely/admin/admin_api.hpp"

#include <boost/url.hpp>
#include <spdlog/spdlog.h>

#include "console_handlers.hpp"
#include "json_response.hpp"
#include "tunnel_handlers.hpp"
#include "tunely/admin/console_files.hpp"
#include "tunely/admin/metrics.hpp"
#include "tunely/core/token.hpp"
#include "tunely/server/tcp_listeners.hpp"
#include "tunely/server/udp_listeners.hpp"

namespace tunely::admin {
namespace http = boost::beast::http;
namespace json = boost::json;

struct admin_api::impl {
    server::tunnel_server& server;
    admin_options options;

    // x-api-key or Authorization: Bearer, compared in constant time.
    bool is_admin(const server::http_request& req) const {
        if (options.admin_key.empty()) return false;
        std::string_view given = req["x-api-key"];
        if (given.empty()) {
            std::string_view auth = req[http::field::authorization];
            if (auth.size() > 7 && iequals(auth.substr(0, 7), "Bearer ")) given = auth.substr(7);
        }
        return !given.empty() && constant_time_equals(given, options.admin_key.reveal());
    }
};

admin_api::admin_api(server::tunnel_server& server, admin_options options)
    : impl_(std::make_unique<impl>(impl{server, std::move(options)})) {}

admin_api::~admin_api() = default;

awaitable<server::http_response> admin_api::handle(server::http_request& req) {
    auto parsed = boost::urls::parse_origin_form(req.target());
    if (!parsed) co_return detail_response(400, "Invalid request target");
    std::vector<std::string> segs;
    for (auto s : parsed->segments()) segs.push_back(s);
    auto query = [&](std::string_view key) -> std::optional<std::string> {
        auto it = parsed->params().find(key);
        if (it == parsed->params().end()) return std::nullopt;
        return std::string((*it).value);
    };
    const auto method = req.method();
    auto& server = impl_->server;
    tunnel_handlers h{server, impl_->options.tcp_listeners, impl_->options.udp_listeners};

    // Public endpoints.
    if (segs.empty() && parsed->path() == "/" && method == http::verb::get) {
        server::http_response res{http::status::ok, 11};
        const auto& page = impl_->options.root_page;
        res.set(http::field::content_type, page ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
        res.body() = page ? *page : "OK";
        co_return res;
    }
    if (segs.size() == 1 && segs[0] == "health" && method == http::verb::get)
        co_return json_response(200, json::object{{"status", "healthy"},
                                                  {"connected_tunnels", server.connected_count()}});
    if (segs.size() == 1 && segs[0] == "metrics" && method == http::verb::get && impl_->options.metrics) {
        server::http_response res{http::status::ok, 11};
        res.set(http::field::content_type, "text/plain; version=0.0.4");
        res.body() = impl_->options.metrics->render();
        co_return res;
    }
    if (segs.size() == 1 && segs[0] == "healthz" && method == http::verb::get)
        co_return co_await h.healthz();
    if (segs.size() == 2 && segs[0] == "api" && segs[1] == "info" && method == http::verb::get) {
        auto ws = impl_->options.public_ws_url;
        if (ws.empty()) ws = impl_->options.ws_scheme + "://" + std::string(req[http::field::host]) + server.options().ws_path;
        co_return json_response(200, json::object{{"name", "Tunely"},
                                                  {"version", server.options().server_version},
                                                  {"domain_pattern", "{subdomain}." + server.options().base_domain},
                                                  {"path_pattern", "/t/{subdomain}/"},
                                                  {"websocket_url", ws},
                                                  {"protocols", json::array{"1.1", "2"}}});
    }
    if (!segs.empty() && segs[0] == "admin") {
        if (method != http::verb::get && method != http::verb::head) co_return detail_response(405, "Method not allowed");
        if (!impl_->options.console) co_return console_not_built();
        co_return impl_->options.console->serve(parsed->path(), method == http::verb::head);
    }
    if (segs.empty() || segs[0] != "api") co_return detail_response(404, "Not found");

    // DELETE /api/tunnels/{domain} may also be authorised by the tunnel's own token.
    bool admin = impl_->is_admin(req);
    if (!admin && method == http::verb::delete_ && segs.size() == 3 && segs[1] == "tunnels") {
        if (std::string_view token = req["x-tunnel-token"]; !token.empty())
            co_return co_await h.remove(segs[2], std::string(token));
    }
    if (!admin) co_return detail_response(401, "Invalid or missing API key");

    console_handlers console{server, impl_->options.traffic};
    const query_lookup lookup = query;  // a named object: no temporaries inside co_await (g++ 12)
    if (segs.size() == 2 && segs[1] == "requests" && method == http::verb::get) co_return co_await console.requests(lookup);
    if (segs.size() == 2 && segs[1] == "stats" && method == http::verb::get) co_return co_await console.stats(lookup);

    if (segs.size() >= 2 && segs[1] == "tunnels") {
        if (segs.size() == 2) {
            if (method == http::verb::get) co_return co_await h.list();
            if (method == http::verb::post) co_return co_await h.create(req.body());
            co_return detail_response(405, "Method not allowed");
        }
        if (segs.size() == 3 && segs[2] == "check-availability" && method == http::verb::get)
            co_return co_await h.check_availability(query("name").value_or(""));
        if (segs.size() == 3) {
            if (method == http::verb::get) co_return co_await h.get(segs[2]);
            if (method == http::verb::put || method == http::verb::patch) co_return co_await h.update(segs[2], req.body());
            if (method == http::verb::delete_) co_return co_await h.remove(segs[2], std::nullopt);
            co_return detail_response(405, "Method not allowed");
        }
        if (segs.size() == 4 && segs[3] == "regenerate-token" && method == http::verb::post)
            co_return co_await h.regenerate_token(segs[2]);
        if (segs.size() == 4 && segs[3] == "logs" && method == http::verb::get) {
            auto number = [&](std::string_view key, std::int64_t fallback) {
                auto v = query(key);
                if (!v) return fallback;
                try {
                    return static_cast<std::int64_t>(std::stoll(*v));
                } catch (...) {
                    return fallback;
                }
            };
            co_return co_await h.logs(segs[2], number("limit", 100), number("offset", 0));
        }
        if (segs.size() == 4 && segs[3] == "forward" && method == http::verb::post) {
            // On the tunnel's session executor, where its exchanges live (tunnel_server.hpp).
            auto forward = h.forward(segs[2], req.body());
            co_return co_await h.server.on_session(segs[2], std::move(forward));
        }
    }
    co_return detail_response(404, "Not found");
}

}  // namespace tunely::admin
