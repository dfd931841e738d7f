#include "known_tunnels.hpp"

namespace tunely::server {

std::optional<bool> known_tunnels::cached(const std::string& domain, clock::time_point now) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(domain);
    if (it == entries_.end() || now - it->second.at >= ttl_) return std::nullopt;
    return it->second.exists;
}

bool known_tunnels::begin_lookup() {
    std::lock_guard lock(mutex_);
    if (lookups_ >= max_lookups_) return false;
    ++lookups_;
    return true;
}

void known_tunnels::end_lookup() noexcept {
    std::lock_guard lock(mutex_);
    if (lookups_ > 0) --lookups_;
}

void known_tunnels::remember(const std::string& domain, bool exists, clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_ && !entries_.contains(domain)) entries_.clear();
    entries_[domain] = entry{exists, now};
}

}  // namespace tunely::server
