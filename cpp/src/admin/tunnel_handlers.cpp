#include "tunnel_handlers.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <array>

#include "json_response.hpp"
#include "tcp_forward.hpp"
#include "tunely/core/domain_name.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/http_status.hpp"
#include "tunely/core/token.hpp"
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

// Reads tcp_port and udp_port; false with `problem` when either is malformed.
bool parse_ports(const json::object& o, std::array<port_claim, 2>& ports, std::string& problem) {
    for (auto& p : ports)
        if (!p.parse(o, problem)) return false;
    return true;
}

bool wants_a_port(const std::array<port_claim, 2>& ports) {
    return ports[0].wants_port() || ports[1].wants_port();
}

// Binds every port asked for; when one fails, those bound already are put back. False with the
// answer's `status` and `problem`.
awaitable<bool> claim_ports(server::tunnel_server& server, std::array<port_claim, 2>& ports,
                            const std::string& domain, unsigned& status, std::string& problem) {
    for (auto& p : ports) {
        if (!p.wants_port()) continue;
        const bool ok = co_await p.claim(server, domain, status, problem);
        if (!ok) {
            for (auto& q : ports) q.undo(domain);
            co_return false;
        }
    }
    co_return true;
}

}  // namespace

json::object tunnel_handlers::describe(const store::tunnel_record& t) const {
    std::vector<server::listener_info> listeners;
    for (const auto* l : {tcp_listeners, udp_listeners}) {
        if (!l) continue;
        auto mine = l->listeners_of(t.domain);
        listeners.insert(listeners.end(), mine.begin(), mine.end());
    }
    return tunnel_json(t, server.live(t.domain), server.in_flight(t.domain), std::move(listeners));
}

std::array<port_claim, 2> tunnel_handlers::port_claims() const {
    return {port_claim("tcp", tcp_listeners, &store::tunnel_record::tcp_port),
            port_claim("udp", udp_listeners, &store::tunnel_record::udp_port)};
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
    for (const auto& t : *r) out.push_back(describe(t));
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
    auto ports = port_claims();
    std::string problem;
    if (!optional_mode(*o, mode, problem) || !parse_ports(*o, ports, problem))
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
    if (wants_a_port(ports)) {
        // An existing tunnel's listener must not move: a taken domain is refused before any port is touched.
        for (const auto& p : ports)
            if (p.wants_port() && p.held_by(*domain)) co_return detail_response(409, "Domain already exists");
        unsigned status = 400;
        const bool claimed = co_await claim_ports(server, ports, *domain, status, problem);
        if (!claimed) co_return detail_response(status, problem);
        t.tcp_port = ports[0].value();
        t.udp_port = ports[1].value();
    }
    auto r = co_await server.store().run([&](store::store& s) { return s.create_tunnel(t); });
    if (!r) {
        for (auto& p : ports) p.undo(*domain);
        co_return error_response(r.error());
    }
    spdlog::info("tunnel {} created", r->domain);
    auto out = describe(*r);
    out["token"] = token;  // shown once, never stored
    co_return json_response(200, out);
}

awaitable<http_response> tunnel_handlers::get(const std::string& domain_text) {
    auto domain = normalize_domain(domain_text);
    if (!domain) co_return detail_response(404, "Tunnel not found");
    auto r = co_await server.store().run([&](store::store& s) { return s.find_tunnel(*domain); });
    if (!r) co_return error_response(r.error());
    if (!*r) co_return detail_response(404, "Tunnel not found");
    co_return json_response(200, describe(**r));
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
    auto ports = port_claims();
    std::string problem;
    if (!optional_mode(*o, u.mode, problem) || !parse_ports(*o, ports, problem))
        co_return detail_response(400, problem);
    // A new port is bound before the store records it; the old one is closed once the store agreed.
    if (wants_a_port(ports)) {
        auto existing = co_await server.store().run([&](store::store& s) { return s.find_tunnel(*domain); });
        if (!existing) co_return error_response(existing.error());
        if (!*existing) co_return detail_response(404, "Tunnel not found");
        unsigned status = 400;
        const bool claimed = co_await claim_ports(server, ports, *domain, status, problem);
        if (!claimed) co_return detail_response(status, problem);
    }
    if (ports[0].present()) u.tcp_port = ports[0].value();
    if (ports[1].present()) u.udp_port = ports[1].value();
    auto r = co_await server.store().run([&](store::store& s) { return s.update_tunnel(*domain, u); });
    if (!r || !*r) {
        // Nothing was stored: the listeners go back to what the store says.
        for (auto& p : ports) p.undo(*domain);
        if (!r) co_return error_response(r.error());
        co_return detail_response(404, "Tunnel not found");
    }
    for (auto& p : ports) p.commit(*domain);
    if (u.mode) server.set_mode(*domain, *u.mode);
    if (u.enabled && !*u.enabled) server.disconnect(*domain, "Tunnel disabled");
    co_return json_response(200, describe(**r));
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
    for (auto* l : {tcp_listeners, udp_listeners})
        if (l) l->release(*domain);
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
    // A live tunnel in mode tcp carries the body over one TCP connection to its client's TCP target
    // (tcp_forward.hpp); its `body` may be any JSON value.
    const auto normalized = normalize_domain(domain);
    const auto live = normalized ? server.live(*normalized) : std::nullopt;
    const bool tcp = live && live->mode == "tcp";
    server::forward_request fr;
    std::optional<std::string> method, path, req_body;
    if (!optional_string(*o, "method", method) || !optional_string(*o, "path", path) ||
        (!tcp && !optional_string(*o, "body", req_body)))
        co_return detail_response(400, "method, path and body must be strings");
    fr.method = method.value_or("GET");
    fr.target = path.value_or("/");
    fr.body = req_body.value_or("");
    if (auto* h = o->if_contains("headers"); h && h->is_object()) {
        for (const auto& kv : h->get_object())
            if (kv.value().is_string()) fr.headers.add(std::string(kv.key()), std::string(kv.value().get_string()));
    }
    if (auto* t = o->if_contains("timeout"); t && t->is_number()) {
        const double seconds = std::clamp(t->to_number<double>(), 0.0, 1e9);  // (1e9 s: no overflow in ms)
        fr.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
    }
    if (fr.target.empty() || fr.target.front() != '/') co_return detail_response(400, "Path must start with '/'");

    auto started = std::chrono::steady_clock::now();
    std::error_code failed;  // no answer at all
    forward_outcome out;
    if (tcp) {
        tcp_forward_request tr;
        tr.payload = tcp_forward_payload(o->if_contains("body"));
        tr.timeout = fr.timeout;
        auto r = co_await tcp_forward(server, *normalized, std::move(tr));
        if (r) out = std::move(*r);
        else failed = r.error();
    } else if (auto r = co_await server.forward(domain, std::move(fr)); !r) {
        failed = r.error();
    } else {
        std::string collected;
        const std::size_t cap = server.options().v1_max_body;
        for (;;) {
            auto chunk = co_await r->body->read_body();
            if (!chunk) {
                out = failed_outcome(502, r->headers, chunk.error().message());
                break;
            }
            if (!*chunk) {
                out = text_outcome(r->status, r->headers, std::move(collected));
                break;
            }
            if (collected.size() + (*chunk)->size() > cap) {
                r->body->cancel(make_error_code(error::body_too_large));
                out = failed_outcome(502, r->headers, "Response body too large for the forward API");
                break;
            }
            collected += **chunk;
        }
    }
    if (failed) {
        if (failed == error::tunnel_not_connected)
            co_return json_response(503, json::object{{"error", "Tunnel not connected: " + domain}});
        if (failed == error::invalid_domain) co_return detail_response(400, "Invalid domain");
        out = failed_outcome(http_status(failed), {}, failed.message());
    }
    // The envelope, for both modes.
    json::object hs;
    for (const auto& f : out.headers) hs[f.name] = f.value;
    const auto duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    co_return json_response(200, json::object{{"status", out.status},
                                              {"headers", std::move(hs)},
                                              {"body", std::move(out.body)},
                                              {"duration_ms", duration_ms},
                                              {"error", std::move(out.error)}});
}

}  // namespace tunely::admin
