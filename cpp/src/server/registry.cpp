#include "registry.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "tunely/core/error.hpp"

namespace tunely::server {

std::error_code registry::add(const std::shared_ptr<session>& s, bool force) {
    std::shared_ptr<session> replaced;
    {
        std::lock_guard lock(mutex_);
        auto& slot = sessions_[s->info().domain];
        if (slot && !slot->closed_hint()) {
            if (!force) return make_error_code(error::connection_exists);
            replaced = slot;
        }
        slot = s;
    }
    if (replaced) {
        spdlog::info("tunnel {}: replaced by a forced connection from {}", s->info().domain,
                     s->info().remote_address);
        asio::post(replaced->get_executor(), [replaced] { replaced->close(1000, "New connection (force)"); });
    }
    return {};
}

void registry::remove(const std::string& domain, const session* s) {
    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(domain);
        if (it == sessions_.end() || it->second.get() != s) return;
        sessions_.erase(it);
    }
    if (on_removed_) on_removed_();
}

std::shared_ptr<session> registry::find(const std::string& domain) const {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(domain);
    if (it == sessions_.end() || it->second->closed_hint()) return nullptr;
    return it->second;
}

std::vector<std::shared_ptr<session>> registry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<session>> out;
    out.reserve(sessions_.size());
    for (const auto& [d, s] : sessions_) out.push_back(s);
    return out;
}

}  // namespace tunely::server
