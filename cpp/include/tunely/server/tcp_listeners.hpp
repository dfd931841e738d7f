#pragma once
// The TCP listeners of a server, each bound to one tunnel: the static ones (--tcp-listen) and the ports the
// admin API assigns to tunnels at runtime within a range (--tcp-ports LOW-HIGH), opened and closed without
// a restart. Every accepted connection runs serve_tcp_connection() as a child of `connections` (the
// server's caller-connection task group: cancelled and joined at shutdown).
//
// Not thread-safe: everything on the tunnel server's executor.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tunely/server/tcp_listener.hpp"
#include "tunely/server/tunnel_server.hpp"
#include "tunely/transport/task_group.hpp"

namespace tunely::server {

class tcp_listeners {
public:
    // `host`: the address runtime-assigned listeners bind to.
    tcp_listeners(tunnel_server& server, transport::task_group& connections, std::string host);
    ~tcp_listeners();
    tcp_listeners(const tcp_listeners&) = delete;
    tcp_listeners& operator=(const tcp_listeners&) = delete;

    // Ports the admin API may assign (inclusive); none set: runtime assignment is off.
    void set_port_range(std::uint16_t low, std::uint16_t high);
    bool assignable() const noexcept { return range_.has_value(); }
    std::optional<std::pair<std::uint16_t, std::uint16_t>> port_range() const noexcept { return range_; }

    // Opens a static listener (at start). Returns the bound port, or nothing with `problem` set.
    std::optional<std::uint16_t> open_static(const tcp_listen_spec& spec, std::string& problem);

    // Runtime assignment for `domain`: `port` within the range, or (nothing) the first port of the range no
    // listener uses and the system lets us bind, skipping `taken` (ports the store gives other tunnels).
    // Replaces the domain's previous runtime listener. Returns the bound port, or nothing with `problem`.
    std::optional<std::uint16_t> assign(const std::string& domain, std::optional<std::uint16_t> port,
                                        const std::vector<int>& taken, std::string& problem);
    // Opens the domain's stored port at start (outside the range is allowed: the range may have changed).
    std::optional<std::uint16_t> restore(const std::string& domain, std::uint16_t port, std::string& problem);
    // Closes the domain's runtime listener, if any (connections already accepted go on).
    void release(const std::string& domain);
    std::optional<std::uint16_t> port_of(const std::string& domain) const;

    // Stops accepting everywhere (shutdown).
    void close_all();

private:
    struct listener {
        std::string domain;
        std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor;
        bool runtime = false;
    };
    std::optional<std::uint16_t> open(const std::string& host, std::uint16_t port, const std::string& domain,
                                      bool runtime, std::string& problem);
    void release_port(std::uint16_t port);

    tunnel_server& server_;
    transport::task_group& connections_;
    std::string host_;
    std::optional<std::pair<std::uint16_t, std::uint16_t>> range_;
    std::map<std::uint16_t, listener> by_port_;  // bound port → listener
};

}  // namespace tunely::server
