#include "port_claim.hpp"

#include <vector>

namespace tunely::admin {
namespace json = boost::json;

port_claim::port_claim(const char* protocol, server::port_listeners* listeners,
                       std::optional<int> store::tunnel_record::*stored)
    : protocol_(protocol), listeners_(listeners), stored_(stored) {}

bool port_claim::parse(const json::object& body, std::string& problem) {
    const std::string key = std::string(protocol_) + "_port";
    auto* v = body.if_contains(key);
    if (!v) return true;
    present_ = true;
    if (v->is_null()) {
        none_ = true;
        return true;
    }
    if (v->is_string() && v->get_string() == "auto") return true;
    if (v->is_int64() && v->get_int64() >= 1 && v->get_int64() <= 65535) {
        asked_ = static_cast<std::uint16_t>(v->get_int64());
        return true;
    }
    problem = key + " must be a port number (1-65535), \"auto\" or null";
    return false;
}

bool port_claim::held_by(const std::string& domain) const {
    return listeners_ && listeners_->port_of(domain).has_value();
}

awaitable<bool> port_claim::claim(server::tunnel_server& server, const std::string& domain, unsigned& status,
                                  std::string& problem) {
    status = 400;
    if (!listeners_) {
        problem = server::ports_not_assignable(protocol_);
        co_return false;
    }
    if (!listeners_->may_assign(asked_, problem)) co_return false;
    previous_ = listeners_->port_of(domain);
    auto stored = co_await server.store().run([](store::store& s) { return s.tunnels_with_ports(); });
    if (!stored) {
        status = 503;
        problem = "Database unavailable";
        co_return false;
    }
    // Ports the store gives other tunnels for this protocol (a listener may be missing: one that could not
    // be reopened at start still holds its port).
    std::vector<int> taken;
    for (const auto& t : *stored)
        if (t.*stored_ && t.domain != domain) taken.push_back(*(t.*stored_));
    auto bound = listeners_->assign(domain, asked_, taken, problem);
    if (!bound) {
        status = asked_ ? 409 : 503;
        co_return false;
    }
    bound_ = *bound;
    co_return true;
}

void port_claim::undo(const std::string& domain) {
    if (!bound_ || previous_ == bound_) return;
    listeners_->release(domain);
    std::string ignored;
    if (previous_) listeners_->restore(domain, *previous_, ignored);
}

void port_claim::commit(const std::string& domain) {
    if (none_ && listeners_) listeners_->release(domain);
}

}  // namespace tunely::admin
