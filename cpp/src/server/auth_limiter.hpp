#pragma once
// Limits tunnel authentication attempts that fail, per source address, so that
// guessing tokens over many parallel connections gains nothing: a token bucket
// per address holding `per_minute` attempts, refilled evenly (one every
// 60 s / per_minute). An attempt takes a token before the store is asked and
// gives it back when it did not fail (a good token, or a store that could not
// answer), so parallel guesses are counted before any of them fails. An address
// whose bucket is empty is refused at once, without the store, until the next
// token is due: at most 60 s / per_minute (6 s at the default of 10).
//
// An address is an IPv4 address or an IPv6 /64 network (what one host usually
// gets). Behind a reverse proxy every client shares the proxy's address: raise
// the limit there or turn it off (0).
//
// Memory is bounded: at most `max_addresses` buckets; beyond that the least
// recently used bucket is forgotten (that address starts afresh).
//
// Thread-safe: try_acquire() and release() lock (handshakes run on every I/O thread).
#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace tunely::server {

class auth_limiter {
public:
    using clock = std::chrono::steady_clock;

    // per_minute 0: no limit.
    explicit auth_limiter(std::size_t per_minute = 0, std::size_t max_addresses = 10'000);

    bool enabled() const noexcept { return per_minute_ > 0; }
    // Takes a token for one attempt from `address`; false: refuse the attempt.
    bool try_acquire(const boost::asio::ip::address& address, clock::time_point now = clock::now());
    // Gives back the token of an attempt that did not fail.
    void release(const boost::asio::ip::address& address, clock::time_point now = clock::now());
    // Buckets held (for tests of the bound).
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return index_.size();
    }

private:
    using key = std::array<unsigned char, 16>;
    struct key_hash {
        std::size_t operator()(const key& k) const noexcept {
            return std::hash<std::string_view>()(std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
        }
    };
    // GCRA form of a token bucket: the bucket is full when `due` <= now; each
    // token taken moves `due` one interval later; an attempt is allowed while
    // `due` stays within the bucket's capacity of now.
    struct bucket {
        key address;
        clock::time_point due;
    };

    static key key_of(const boost::asio::ip::address& address);
    void forget_full(clock::time_point now);

    mutable std::mutex mutex_;
    std::size_t per_minute_;
    std::size_t max_addresses_;
    clock::duration interval_{};  // one token
    std::list<bucket> lru_;       // least recently used first
    std::unordered_map<key, std::list<bucket>::iterator, key_hash> index_;
};

}  // namespace tunely::server
