#pragma once
// Whether a domain is a tunnel in the store, remembered for a short while: ingress asks when a request finds no
// live session, to answer an unknown tunnel 404 and an offline one 503 (the same status as a tunnel that
// exists is the only thing a caller learns). Callers on the internet choose the domains, so everything is
// bounded: at most `capacity` answers are kept (all are dropped when it is full: a flood of new names only
// costs lookups), each for `ttl`, and at most `max_lookups` store lookups run at once — beyond that the
// answer is "unknown" and ingress keeps the old 503.
//
// Thread-safe: every member locks (ingress asks from every I/O thread).
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tunely::server {

class known_tunnels {
public:
    using clock = std::chrono::steady_clock;

    explicit known_tunnels(std::chrono::milliseconds ttl = std::chrono::seconds(2), std::size_t capacity = 4096,
                           std::size_t max_lookups = 16)
        : ttl_(ttl), capacity_(capacity), max_lookups_(max_lookups) {}

    // The remembered answer, if it is younger than the ttl.
    std::optional<bool> cached(const std::string& domain, clock::time_point now) const;
    // Whether a store lookup may start now (then end_lookup() must follow, with remember() when it answered).
    bool begin_lookup();
    void end_lookup() noexcept;
    void remember(const std::string& domain, bool exists, clock::time_point now);

private:
    struct entry {
        bool exists;
        clock::time_point at;
    };
    std::chrono::milliseconds ttl_;
    std::size_t capacity_;
    std::size_t max_lookups_;
    mutable std::mutex mutex_;
    std::size_t lookups_ = 0;
    std::unordered_map<std::string, entry> entries_;
};

}  // namespace tunely::server
