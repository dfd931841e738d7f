#pragma once
// The TCP listeners of a server (port_listeners for TCP): static ones (--tcp-listen) and runtime ports
// (--tcp-ports, tcp_port on a tunnel). Every accepted connection runs serve_tcp_connection() as a child of
// `connections` (the server's caller-connection task group: cancelled and joined at shutdown). Closing a
// listener stops its accept loop; connections already accepted go on.
//
// Not thread-safe: everything on the tunnel server's executor.
#include <string>

#include "tunely/server/port_listeners.hpp"
#include "tunely/server/tunnel_server.hpp"
#include "tunely/transport/task_group.hpp"

namespace tunely::server {

class tcp_listeners final : public port_listeners {
public:
    // `host`: the address runtime-assigned listeners bind to.
    tcp_listeners(tunnel_server& server, transport::task_group& connections, std::string host);

private:
    std::optional<bound_listener> bind(const std::string& host, std::uint16_t port, const std::string& domain,
                                       std::string& problem) override;
    bool terminates_tls() const override;

    tunnel_server& server_;
    transport::task_group& connections_;
};

}  // namespace tunely::server
