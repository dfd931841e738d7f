#pragma once
// The listeners of one protocol (TCP or UDP), each bound to one tunnel: the static ones (--tcp-listen,
// --udp-listen) and the ports the admin API assigns to tunnels at runtime within a range (--tcp-ports,
// --udp-ports), opened and closed without a restart. This class is the bookkeeping both protocols share —
// the range, which port serves which tunnel, "auto", moving, releasing, reopening at start; a subclass
// (tcp_listeners, udp_listeners) binds a port and says how to close it.
//
// A tunnel has at most one runtime port per protocol. The same number may serve a tunnel over TCP and
// over UDP: each protocol has its own instance and its own ports.
//
// Not thread-safe: everything on the tunnel server's executor.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "tunely/server/tcp_listener.hpp"

namespace tunely::server {

// One public listener of a tunnel, as the admin API shows it (`listeners` in the tunnel JSON).
struct listener_info {
    std::string protocol;  // "tcp" or "udp"
    std::string host;      // the address it is bound to
    std::uint16_t port = 0;
    bool assigned = false;  // a runtime port from the admin API; false: a static listener
    bool tls = false;       // the server terminates TLS on it (--listener-tls-cert; TCP only)
};

// Why a runtime port of `protocol` ("tcp", "udp") cannot be had: the server was started without a range.
std::string ports_not_assignable(const std::string& protocol);

class port_listeners {
public:
    virtual ~port_listeners();  // closes every listener
    port_listeners(const port_listeners&) = delete;
    port_listeners& operator=(const port_listeners&) = delete;

    // "tcp" or "udp".
    const std::string& protocol() const noexcept { return protocol_; }

    // Ports the admin API may assign (inclusive); none set: runtime assignment is off.
    void set_port_range(std::uint16_t low, std::uint16_t high) { range_.emplace(low, high); }
    bool assignable() const noexcept { return range_.has_value(); }
    std::optional<std::pair<std::uint16_t, std::uint16_t>> port_range() const noexcept { return range_; }
    // Whether a runtime port may be asked for: `port` (nothing: "auto") within the range. False with
    // `problem` when assignment is off or the port lies outside the range.
    bool may_assign(std::optional<std::uint16_t> port, std::string& problem) const;

    // Opens a static listener (at start). Returns the bound port, or nothing with `problem` set.
    std::optional<std::uint16_t> open_static(const tcp_listen_spec& spec, std::string& problem);

    // Runtime assignment for `domain`: `port` within the range, or (nothing) the first port of the range no
    // listener uses and the system lets us bind, skipping `taken` (ports the store gives other tunnels for
    // this protocol). Replaces the domain's previous runtime listener; "auto" keeps the one it has. Returns
    // the bound port, or nothing with `problem`.
    std::optional<std::uint16_t> assign(const std::string& domain, std::optional<std::uint16_t> port,
                                        const std::vector<int>& taken, std::string& problem);
    // Opens the domain's stored port at start (outside the range is allowed: the range may have changed).
    std::optional<std::uint16_t> restore(const std::string& domain, std::uint16_t port, std::string& problem);
    // Closes the domain's runtime listener, if any.
    void release(const std::string& domain);
    // The domain's runtime port.
    std::optional<std::uint16_t> port_of(const std::string& domain) const;
    // The domain's listeners, static and runtime, by port.
    std::vector<listener_info> listeners_of(const std::string& domain) const;

    // Closes every listener (shutdown).
    void close_all();

protected:
    // How a bound listener is closed; `why` is what its users (e.g. UDP sessions) are told.
    using closer = std::function<void(std::error_code why)>;
    struct bound_listener {
        std::uint16_t port = 0;  // the port bound (the one the system chose for 0)
        closer close;
    };

    // `host`: the address runtime-assigned listeners bind to; `protocol`: "tcp" or "udp".
    port_listeners(std::string protocol, std::string host);

    // Binds host:port for `domain` and starts serving it. Nothing, with `problem`, when it cannot bind.
    virtual std::optional<bound_listener> bind(const std::string& host, std::uint16_t port,
                                               const std::string& domain, std::string& problem) = 0;
    // Whether the server terminates TLS on this protocol's connections (listener TLS: TCP only).
    virtual bool terminates_tls() const { return false; }

private:
    struct listener {
        std::string domain;
        std::string host;
        bool runtime = false;
        closer close;
    };
    std::optional<std::uint16_t> open(const std::string& host, std::uint16_t port, const std::string& domain,
                                      bool runtime, std::string& problem);
    void release_port(std::uint16_t port);
    bool in_use(std::uint16_t port, const std::vector<int>& taken) const;

    std::string protocol_;
    std::string host_;
    std::optional<std::pair<std::uint16_t, std::uint16_t>> range_;
    std::map<std::uint16_t, listener> by_port_;  // bound port → listener
};

}  // namespace tunely::server
