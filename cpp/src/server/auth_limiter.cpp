#include "auth_limiter.hpp"

#include <algorithm>

namespace tunely::server {

auth_limiter::auth_limiter(std::size_t per_minute, std::size_t max_addresses)
    : per_minute_(per_minute), max_addresses_(std::max<std::size_t>(max_addresses, 1)) {
    // In the clock's own unit: minutes(1) / N would round to whole minutes.
    if (per_minute_ > 0) interval_ = clock::duration(std::chrono::minutes(1)) / static_cast<std::int64_t>(per_minute_);
}

auth_limiter::key auth_limiter::key_of(const boost::asio::ip::address& address) {
    key k{};
    auto v6 = address.is_v4() ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4())
                              : address.to_v6();
    auto bytes = v6.to_bytes();
    // An IPv4 address (also as ::ffff:a.b.c.d) counts whole; IPv6 by its /64 network.
    const std::size_t significant = v6.is_v4_mapped() ? 16 : 8;
    std::copy_n(bytes.begin(), significant, k.begin());
    return k;
}

// Buckets that refilled completely hold nothing worth keeping.
void auth_limiter::forget_full(clock::time_point now) {
    while (!lru_.empty() && lru_.front().due <= now) {
        index_.erase(lru_.front().address);
        lru_.pop_front();
    }
}

bool auth_limiter::try_acquire(const boost::asio::ip::address& address, clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!enabled()) return true;
    forget_full(now);
    const auto k = key_of(address);
    auto found = index_.find(k);
    if (found == index_.end()) {
        if (index_.size() >= max_addresses_) {  // full: forget the least recently used address
            index_.erase(lru_.front().address);
            lru_.pop_front();
        }
        lru_.push_back({k, now});
        found = index_.emplace(k, std::prev(lru_.end())).first;
    } else {
        lru_.splice(lru_.end(), lru_, found->second);  // now the most recently used
    }
    auto& b = *found->second;
    const auto due = std::max(b.due, now);
    // Capacity: per_minute tokens, i.e. `due` may run up to one minute ahead.
    if (due + interval_ - now > std::chrono::minutes(1)) return false;
    b.due = due + interval_;
    return true;
}

void auth_limiter::release(const boost::asio::ip::address& address, clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!enabled()) return;
    auto found = index_.find(key_of(address));
    if (found == index_.end()) return;
    auto& b = *found->second;
    b.due = std::max(b.due - interval_, now);
}

}  // namespace tunely::server
