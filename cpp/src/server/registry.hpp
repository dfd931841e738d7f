#pragma once
// domain → live session. Thread-safe (handshakes and ingress on every I/O thread): each member locks, which
// makes check-and-insert atomic with respect to other handshakes. A session is closed on its own executor:
// add() posts the close of the session it replaces there.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "session.hpp"

namespace tunely::server {

class registry {
public:
    // Registers `s` for its domain. An existing session is replaced only when
    // `force` is set (and is then closed with 1000 "New connection (force)");
    // otherwise returns error::connection_exists.
    std::error_code add(const std::shared_ptr<session>& s, bool force);
    // Removes the entry only if it is still `s`: a replaced session's cleanup
    // never unregisters its successor.
    void remove(const std::string& domain, const session* s);
    std::shared_ptr<session> find(const std::string& domain) const;
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return sessions_.size();
    }
    std::vector<std::shared_ptr<session>> all() const;
    // Called after an entry was removed (shutdown waits for an empty registry).
    // Set before any session registers; called on the removing thread, outside the lock.
    void on_removed(std::function<void()> hook) { on_removed_ = std::move(hook); }

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<session>> sessions_;
    std::function<void()> on_removed_;
};

}  // namespace tunely::server
