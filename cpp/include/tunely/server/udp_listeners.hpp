#pragma once
// The UDP listeners of a server (port_listeners for UDP): static ones (--udp-listen) and runtime ports
// (--udp-ports, udp_port on a tunnel). Each port is one udp_listener whose run() — the receive loop with
// its UDP sessions — is a child of `loops` (a task group the host cancels and joins at shutdown). Closing a
// listener frees its port at once, ends its sessions (the client is told, as on an idle timeout) and ends
// its run(), which returns once its session readers are joined.
//
// Not thread-safe: everything on the tunnel server's executor.
#include <string>

#include "tunely/server/port_listeners.hpp"
#include "tunely/server/tunnel_server.hpp"
#include "tunely/transport/task_group.hpp"

namespace tunely::server {

class udp_listeners final : public port_listeners {
public:
    // `host`: the address runtime-assigned listeners bind to.
    udp_listeners(tunnel_server& server, transport::task_group& loops, std::string host);

private:
    std::optional<bound_listener> bind(const std::string& host, std::uint16_t port, const std::string& domain,
                                       std::string& problem) override;

    tunnel_server& server_;
    transport::task_group& loops_;
};

}  // namespace tunely::server
