#pragma once
// What the TCP and UDP listeners carried, server-wide, by direction, counted as it moves (a long-lived
// connection shows up while it lasts, not when it ends). "in": from the external peer into the tunnel,
// towards the target; "out": from the target back to the peer — as the HTTP ingress counts request and
// response bytes (the original 0.12 swaps the two). Read by /metrics. Atomic (relaxed): the counters are
// only ever added to and read whole, from whichever thread serves the connection.
#include <atomic>
#include <cstdint>

namespace tunely::server {

struct raw_traffic {
    std::atomic<std::uint64_t> tcp_connections{0};  // accepted into a tunnel (its client was asked to connect)
    std::atomic<std::uint64_t> tcp_bytes_in{0};
    std::atomic<std::uint64_t> tcp_bytes_out{0};
    std::atomic<std::uint64_t> udp_datagrams_in{0};  // sent into a tunnel
    std::atomic<std::uint64_t> udp_bytes_in{0};
    std::atomic<std::uint64_t> udp_datagrams_out{0};  // sent back to an external peer
    std::atomic<std::uint64_t> udp_bytes_out{0};
    // Arrived for a tunnel but not carried: no session could be opened (offline, limit) or no room/credit.
    std::atomic<std::uint64_t> udp_datagrams_dropped{0};

    static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
        counter.fetch_add(n, std::memory_order_relaxed);
    }
};

}  // namespace tunely::server
