#include "registry.hpp"

#include <spdlog/spdlog.h>

#include "tunely/core/error.hpp"

namespace tunely::server {

std::error_code registry::add(const std::shared_ptr<session>& s, bool force) {
    auto& slot = sessions_[s->info().domain];
    if (slot && !slot->closed()) {
        if (!force) return make_error_code(error::connection_exists);
        spdlog::info("tunnel {}: replaced by a forced connection from {}", s->info().domain,
                     s->info().remote_address);
        slot->close(1000, "New connection (force)");
    }
    slot = s;
    return {};
}

void registry::remove(const std::string& domain, const session* s) {
    auto it = sessions_.find(domain);
    if (it == sessions_.end() || it->second.get() != s) return;
    sessions_.erase(it);
    if (on_removed_) on_removed_();
}

std::shared_ptr<session> registry::find(const std::string& domain) const {
    auto it = sessions_.find(domain);
    if (it == sessions_.end() || it->second->closed()) return nullptr;
    return it->second;
}

std::vector<std::shared_ptr<session>> registry::all() const {
    std::vector<std::shared_ptr<session>> out;
    out.reserve(sessions_.size());
    for (const auto& [d, s] : sessions_) out.push_back(s);
    return out;
}

}  // namespace tunely::server
