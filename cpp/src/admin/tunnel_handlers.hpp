#pragma once
// Handlers of /api/tunnels/… Each one validates its input, runs store calls on
// the store executor and maps errors through the one error → status function.
#include <boost/json/object.hpp>

#include <array>
#include <optional>
#include <string>

#include "port_claim.hpp"
#include "tunely/server/http_connection.hpp"
#include "tunely/server/port_listeners.hpp"
#include "tunely/server/tunnel_server.hpp"

namespace tunely::admin {

struct tunnel_handlers {
    server::tunnel_server& server;
    server::port_listeners* tcp_listeners = nullptr;  // TCP listeners and ports; null: tcp_port is refused
    server::port_listeners* udp_listeners = nullptr;  // UDP listeners and ports; null: udp_port is refused

    awaitable<server::http_response> healthz();
    awaitable<server::http_response> list();
    awaitable<server::http_response> create(const std::string& body);
    awaitable<server::http_response> get(const std::string& domain);
    awaitable<server::http_response> update(const std::string& domain, const std::string& body);
    // `tunnel_token`: set when the caller authenticated with x-tunnel-token instead of the admin key.
    awaitable<server::http_response> remove(const std::string& domain, std::optional<std::string> tunnel_token);
    awaitable<server::http_response> regenerate_token(const std::string& domain);
    awaitable<server::http_response> logs(const std::string& domain, std::int64_t limit, std::int64_t offset);
    awaitable<server::http_response> check_availability(const std::string& name);
    awaitable<server::http_response> forward(const std::string& domain, const std::string& body);

private:
    // The tunnel JSON: the record, its live session, its listeners.
    boost::json::object describe(const store::tunnel_record& t) const;
    // The tcp_port and udp_port fields of a create or update.
    std::array<port_claim, 2> port_claims() const;
};

}  // namespace tunely::admin
