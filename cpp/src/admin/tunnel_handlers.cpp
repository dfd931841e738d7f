#include "tunnel_handlers.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <array>

#include "json_response.hpp"
#include "tunely/core/domain_name.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/http_status.hpp"
#include "tunely/core/token.hpp"
#include "tunely/core/utf8.hpp"
#include "tunnel_json.hpp"

namespace tunely::admin {
namespace json = boost::json;
using server::http_response;

namespace {

// Names a tunnel may not take: they would shadow our own hosts and paths.
constexpr std::array<std::string_view, 6> reserved_names{"admin", "api", "www", "ws", "t", "metrics"};

bool is_reserved(std::string_view domain) {
    for (auto r : reserved_names)
        if (iequals(r, domain)) return true;
    return false;
}

http_response error_response(const std::error_code& ec) {
    if (ec == error::store_conflict) return detail_response(409, "Domain already exists");
    if (ec == error::store_unavailable) return detail_response(503, "Database unavailable");
    if (ec == error::tunnel_not_found) return detail_response(404, "Tunnel not found");
    return detail_response(http_status(ec), ec.message());
}

std::optional<json::object> parse_object(const std::string& body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return v.get_object();
}

// Reads an optional string field; returns false when present with another type.
bool optional_string(const json::object& o, std::string_view key, std::optional<std::string>& out) {
    auto* v = o.if_contains(key);
    if (!v || v->is_null()) return true;
    if (!v->is_string()) return false;
    out = std::string(v->get_string());
    return true;
}

// "mode": "http" or "tcp". False (and `problem`) when present with another value.
bool optional_mode(const json::object& o, std::optional<std::string>& out, std::string& problem) {
    if (!optional_string(o, "mode", out)) {
        problem = "mode must be \"http\" or \"tcp\"";
        return false;
    }
    if (out && *out != "http" && *out != "tcp") {
        problem = "mode must be \"http\" or \"tcp\"";
        return false;
    }
    return true;
}

// "tcp_port": a port (1-65535), "auto" (the server picks one of its --tcp-ports range), or null (none).
struct port_request {
    bool present = false;
    bool none = false;                  // null: release the port
    std::optional<std::uint16_t> port;  // empty with present && !none: "auto"
};

bool optional_port(const json::object& o, std::string_view key, port_request& out, std::string& problem) {
    auto* v = o.if_contains(key);
    if (!v) return true;
    out.present = true;
    if (v->is_null()) {
        out.none = true;
        return true;
    }
    if (v->is_string() && v->get_string() == "auto") return true;
    if (v->is_int64() && v->get_int64() >= 1 && v->get_int64() <= 65535) {
        out.port = static_cast<std::uint16_t>(v->get_int64());
        return true;
    }
    problem = std::string(key) + " must be a port number (1-65535), \"auto\" or null";
    return false;
}

// Ports the store gives to tunnels other than `domain`.
std::vector<int> ports_taken(const std::vector<store::tunnel_record>& tunnels, const std::string& domain) {
    std::vector<int> out;
    for (const auto& t : tunnels)
        if (t.tcp_port && t.domain != domain) out.push_back(*t.tcp_port);
    return out;
}

}  // namespace

// Binds the listener first (a port another process holds, or one outside the range, is refused before
// anything is stored), then the store records it; a store failure releases it again.
awaitable<std::optional<std::uint16_t>> tunnel_handlers::claim_port(const std::string& domain,
                                                                    std::optional<std::uint16_t> port,
                                                                    std::string& problem, unsigned& status) {
    status = 400;
    if (!tcp_listeners || !tcp_listeners->assignable()) {
        problem = "TCP ports are not assignable on this server (start it with --tcp-ports LOW-HIGH)";
        co_return std::nullopt;
    }
    if (auto range = tcp_listeners->port_range(); port && (*port < range->first || *port > range->second)) {
        problem = "port " + std::to_string(*port) + " is outside the assignable range " +
                  std::to_string(range->first) + "-" + std::to_string(range->second);
        co_return std::nullopt;
    }
    auto stored = co_await server.store().run([](store::store& s) { return s.tunnels_with_ports(); });
    if (!stored) {
        status = 503;
        problem = "Database unavailable";
        co_return std::nullopt;
    }
    auto bound = tcp_listeners->assign(domain, port, ports_taken(*stored, domain), problem);
    if (!bound) status = port ? 409 : 503;
    co_return bound;
}

awaitable<http_response> tunnel_handlers::healthz() {
    auto r = co_await server.store().run([](store::store& s) { return s.schema_version(); });
    if (!r) co_return json_response(503, json::object{{"status", "degraded"}, {"database", "unavailable"}});
    co_return json_response(200, json::object{{"status", "ok"}, {"database", "ok"}, {"schema_version", *r}});
}

awaitable<http_response> tunnel_handlers::list() {
    auto r = co_await server.store().run([](store::store& s) { return s.list_tunnels(); });
    if (!r) co_return error_response(r.error());
    json::array out;
    for (const auto& t : *r) out.push_back(tunnel_json(t, server.live(t.domain), server.in_flight(t.domain)));
    co_return json_response(200, out);
}

awaitable<http_response> tunnel_handlers::create(const std::string& body) {
    auto o = parse_object(body);
    if (!o) co_return detail_response(400, "Body must be a JSON object");
    std::optional<std::string> domain_text, name, description;
    if (!optional_string(*o, "domain", domain_text) || !optional_string(*o, "name", name) ||
        !optional_string(*o, "description", description))
        co_return detail_response(400, "domain, name and description must be strings");
    std::optional<std::string> mode;
    port_request tcp_port;
    std::string problem;
    if (!optional_mode(*o, mode, problem) || !optional_port(*o, "tcp_port", tcp_port, problem))
        co_return detail_response(400, problem);
    if (!domain_text) co_return detail_response(400, "domain is required");
    auto domain = normalize_domain(*domain_text);
    if (!domain)
        co_return detail_response(400, "Invalid domain: use 1-63 letters, digits or '-', starting with a letter or digit");
    if (is_reserved(*domain)) co_return detail_response(400, "Domain is reserved");
    if (name && name->size() > 100) co_return detail_response(400, "name must be at most 100 characters");

    auto token = generate_tunnel_token();
    // Member-wise, not braced: g++ 12 mis-copies aggregates of strings built
    // from temporaries inside coroutines (see store_executor::run).
    store::new_tunnel t;
    t.domain = *domain;
    t.token_hash = hash_token(token);
    t.name = name.value_or(*domain);
    t.description = description.value_or("");
    t.mode = mode.value_or("http");
    if (tcp_port.present && !tcp_port.none) {
        // An existing tunnel's listener must not move: a taken domain is refused before any port is touched.
        if (tcp_listeners && tcp_listeners->port_of(*domain)) co_return detail_response(409, "Domain already exists");
        unsigned status = 400;
        auto bound = co_await claim_port(*domain, tcp_port.port, problem, status);
        if (!bound) co_return detail_response(status, problem);
        t.tcp_port = *bound;
    }
    auto r = co_await server.store().run([&](store::store& s) { return s.create_tunnel(t); });
    if (!r) {
        if (t.tcp_port) tcp_listeners->release(*domain);
        co_return error_response(r.error());
    }
    spdlog::info("tunnel {} created", r->domain);
    auto out = tunnel_json(*r, std::nullopt, 0);
    out["token"] = token;  // shown once, never stored
    co_return json_response(200, out);
}

awaitable<http_response> tunnel_handlers::get(const std::string& domain_text) {
    auto domain = normalize_domain(domain_text);
    if (!domain) co_return detail_response(404, "Tunnel not found");
    auto r = co_await server.store().run([&](store::store& s) { return s.find_tunnel(*domain); });
    if (!r) co_return error_response(r.error());
    if (!*r) co_return detail_response(404, "Tunnel not found");
    co_return json_response(200, tunnel_json(**r, server.live(*domain), server.in_flight(*domain)));
}

awaitable<http_response> tunnel_handlers::update(const std::string& domain_text, const std::string& body) {
    auto domain = normalize_domain(domain_text);
    if (!domain) co_return detail_response(404, "Tunnel not found");
    auto o = parse_object(body);
    if (!o) co_return detail_response(400, "Body must be a JSON object");
    store::tunnel_update u;
    if (!optional_string(*o, "name", u.name) || !optional_string(*o, "description", u.description))
        co_return detail_response(400, "name and description must be strings");
    if (auto* e = o->if_contains("enabled"); e && !e->is_null()) {
        if (!e->is_bool()) co_return detail_response(400, "enabled must be a boolean");
        u.enabled = e->get_bool();
    }
    if (u.name && u.name->size() > 100) co_return detail_response(400, "name must be at most 100 characters");
    port_request tcp_port;
    std::string problem;
    if (!optional_mode(*o, u.mode, problem) || !optional_port(*o, "tcp_port", tcp_port, problem))
        co_return detail_response(400, problem);
    // A new port is bound before the store records it; the old one is closed once the store agreed.
    const auto previous = tcp_listeners ? tcp_listeners->port_of(*domain) : std::nullopt;
    if (tcp_port.present && !tcp_port.none) {
        auto existing = co_await server.store().run([&](store::store& s) { return s.find_tunnel(*domain); });
        if (!existing) co_return error_response(existing.error());
        if (!*existing) co_return detail_response(404, "Tunnel not found");
        unsigned status = 400;
        auto bound = co_await claim_port(*domain, tcp_port.port, problem, status);
        if (!bound) co_return detail_response(status, problem);
        u.tcp_port = std::optional<int>(*bound);
    } else if (tcp_port.none) {
        u.tcp_port = std::optional<int>();
    }
    auto r = co_await server.store().run([&](store::store& s) { return s.update_tunnel(*domain, u); });
    if (!r || !*r) {
        // Nothing was stored: the listener goes back to what the store says.
        if (u.tcp_port && *u.tcp_port && tcp_listeners && previous != *u.tcp_port) {
            tcp_listeners->release(*domain);
            std::string ignored;
            if (previous) tcp_listeners->restore(*domain, *previous, ignored);
        }
        if (!r) co_return error_response(r.error());
        co_return detail_response(404, "Tunnel not found");
    }
    if (tcp_port.none && tcp_listeners) tcp_listeners->release(*domain);
    if (u.mode) server.set_mode(*domain, *u.mode);
    if (u.enabled && !*u.enabled) server.disconnect(*domain, "Tunnel disabled");
    co_return json_response(200, tunnel_json(**r, server.live(*domain), server.in_flight(*domain)));
}

awaitable<http_response> tunnel_handlers::remove(const std::string& domain_text,
                                                 std::optional<std::string> tunnel_token) {
    auto domain = normalize_domain(domain_text);
    if (!domain) co_return detail_response(404, "Tunnel not found");
    if (tunnel_token) {
        auto r = co_await server.store().run([&](store::store& s) { return s.find_tunnel(*domain); });
        if (!r) co_return error_response(r.error());
        if (!*r || !constant_time_equals((*r)->token_hash, hash_token(*tunnel_token)))
            co_return detail_response(401, "Invalid or missing API key");
    }
    auto r = co_await server.store().run([&](store::store& s) { return s.delete_tunnel(*domain); });
    if (!r) co_return error_response(r.error());
    if (!*r) co_return detail_response(404, "Tunnel not found");
    server.disconnect(*domain, "Tunnel deleted");
    if (tcp_listeners) tcp_listeners->release(*domain);
    spdlog::info("tunnel {} deleted", *domain);
    co_return json_response(200, json::object{{"success", true}, {"domain", *domain}});
}

awaitable<http_response> tunnel_handlers::regenerate_token(const std::string& domain_text) {
    auto domain = normalize_domain(domain_text);
    if (!domain) co_return detail_response(404, "Tunnel not found");
    auto token = generate_tunnel_token();
    auto hash = hash_token(token);
    auto r = co_await server.store().run([&](store::store& s) { return s.set_token_hash(*domain, hash); });
    if (!r) co_return error_response(r.error());
    if (!*r) co_return detail_response(404, "Tunnel not found");
    server.disconnect(*domain, "Token rotated");
    spdlog::info("tunnel {}: token rotated", *domain);
    co_return json_response(200, json::object{{"domain", *domain}, {"token", token}});
}

awaitable<http_response> tunnel_handlers::logs(const std::string& domain_text, std::int64_t limit,
                                               std::int64_t offset) {
    auto domain = normalize_domain(domain_text);
    if (!domain) co_return detail_response(404, "Tunnel not found");
    store::log_query q;
    q.domain = *domain;
    q.limit = std::clamp<std::int64_t>(limit, 1, 1000);
    q.offset = std::max<std::int64_t>(offset, 0);
    auto r = co_await server.store().run([&](store::store& s) { return s.query_request_logs(q); });
    if (!r) co_return error_response(r.error());
    json::array logs;
    for (const auto& rec : r->logs) logs.push_back(log_json(rec));
    co_return json_response(200, json::object{{"total", r->total}, {"logs", std::move(logs)}});
}

awaitable<http_response> tunnel_handlers::check_availability(const std::string& name) {
    auto answer = [&](bool available, std::string_view reason) {
        return json_response(200, json::object{{"available", available},
                                               {"name", name},
                                               {"reason", reason.empty() ? json::value(nullptr) : json::value(reason)}});
    };
    auto domain = normalize_domain(name);
    if (!domain) co_return answer(false, "invalid");
    if (is_reserved(*domain)) co_return answer(false, "reserved");
    auto r = co_await server.store().run([&](store::store& s) { return s.find_tunnel(*domain); });
    if (!r) co_return error_response(r.error());
    co_return answer(!*r, *r ? "taken" : "");
}

awaitable<http_response> tunnel_handlers::forward(const std::string& domain, const std::string& body) {
    auto o = parse_object(body);
    if (!o) co_return detail_response(400, "Body must be a JSON object");
    server::forward_request fr;
    std::optional<std::string> method, path, req_body;
    if (!optional_string(*o, "method", method) || !optional_string(*o, "path", path) ||
        !optional_string(*o, "body", req_body))
        co_return detail_response(400, "method, path and body must be strings");
    fr.method = method.value_or("GET");
    fr.target = path.value_or("/");
    fr.body = req_body.value_or("");
    if (auto* h = o->if_contains("headers"); h && h->is_object()) {
        for (const auto& kv : h->get_object())
            if (kv.value().is_string()) fr.headers.add(std::string(kv.key()), std::string(kv.value().get_string()));
    }
    if (auto* t = o->if_contains("timeout"); t && t->is_number())
        fr.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(t->to_number<double>() * 1000));
    if (fr.target.empty() || fr.target.front() != '/') co_return detail_response(400, "Path must start with '/'");

    auto started = std::chrono::steady_clock::now();
    auto elapsed_ms = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    };
    auto envelope = [&](unsigned status, const header_list& headers, json::value body_value, json::value error_value) {
        json::object hs;
        for (const auto& f : headers) hs[f.name] = f.value;
        return json_response(200, json::object{{"status", status},
                                               {"headers", std::move(hs)},
                                               {"body", std::move(body_value)},
                                               {"duration_ms", elapsed_ms()},
                                               {"error", std::move(error_value)}});
    };
    auto r = co_await server.forward(domain, std::move(fr));
    if (!r) {
        if (r.error() == error::tunnel_not_connected)
            co_return json_response(503, json::object{{"error", "Tunnel not connected: " + domain}});
        if (r.error() == error::invalid_domain) co_return detail_response(400, "Invalid domain");
        co_return envelope(http_status(r.error()), {}, nullptr, json::value(r.error().message()));
    }
    std::string collected;
    const std::size_t cap = server.options().v1_max_body;
    for (;;) {
        auto chunk = co_await r->body->read_body();
        if (!chunk) co_return envelope(502, r->headers, nullptr, json::value(chunk.error().message()));
        if (!*chunk) break;
        if (collected.size() + (*chunk)->size() > cap) {
            r->body->cancel(make_error_code(error::body_too_large));
            co_return envelope(502, r->headers, nullptr, json::value("Response body too large for the forward API"));
        }
        collected += **chunk;
    }
    if (!is_valid_utf8(collected))
        co_return envelope(r->status, r->headers, nullptr, json::value("Response body is not UTF-8 text"));
    co_return envelope(r->status, r->headers, json::value(collected), nullptr);
}

}  // namespace tunely::admin
