#include "tunely/server/port_listeners.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "tunely/core/error.hpp"

namespace tunely::server {
namespace {

std::string upper(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

std::string range_text(std::pair<std::uint16_t, std::uint16_t> range) {
    return std::to_string(range.first) + "-" + std::to_string(range.second);
}

}  // namespace

std::string ports_not_assignable(const std::string& protocol) {
    return upper(protocol) + " ports are not assignable on this server (start it with --" + protocol +
           "-ports LOW-HIGH)";
}

port_listeners::port_listeners(std::string protocol, std::string host)
    : protocol_(std::move(protocol)), host_(std::move(host)) {}

// The closers hold what they close (never the subclass, which is gone by now).
port_listeners::~port_listeners() { close_all(); }

bool port_listeners::may_assign(std::optional<std::uint16_t> port, std::string& problem) const {
    if (!range_) {
        problem = ports_not_assignable(protocol_);
        return false;
    }
    if (port && (*port < range_->first || *port > range_->second)) {
        problem = "port " + std::to_string(*port) + " is outside the assignable range " + range_text(*range_);
        return false;
    }
    return true;
}

std::optional<std::uint16_t> port_listeners::open(const std::string& host, std::uint16_t port,
                                                  const std::string& domain, bool runtime, std::string& problem) {
    auto bound = bind(host, port, domain, problem);
    if (!bound) return std::nullopt;
    by_port_[bound->port] = listener{domain, host, runtime, std::move(bound->close)};
    // Static listeners are announced by the host application (on stdout); runtime ones here.
    if (runtime)
        spdlog::info("{} listener on {}:{} for tunnel {}{}", upper(protocol_), host, bound->port, domain,
                     terminates_tls() ? " (TLS)" : "");
    return bound->port;
}

std::optional<std::uint16_t> port_listeners::open_static(const tcp_listen_spec& spec, std::string& problem) {
    return open(spec.host, spec.port, spec.domain, false, problem);
}

bool port_listeners::in_use(std::uint16_t port, const std::vector<int>& taken) const {
    return by_port_.count(port) || std::find(taken.begin(), taken.end(), port) != taken.end();
}

std::optional<std::uint16_t> port_listeners::assign(const std::string& domain, std::optional<std::uint16_t> port,
                                                    const std::vector<int>& taken, std::string& problem) {
    if (!may_assign(port, problem)) return std::nullopt;
    const auto [low, high] = *range_;
    auto current = port_of(domain);
    if (port) {
        if (current == port) return port;  // unchanged
        if (in_use(*port, taken)) {
            problem = "port " + std::to_string(*port) + " is already assigned";
            return std::nullopt;
        }
        auto bound = open(host_, *port, domain, true, problem);
        if (bound && current) release_port(*current);
        return bound;
    }
    if (current) return current;  // "auto" keeps the port it has
    for (std::uint32_t p = low; p <= high; ++p) {
        const auto candidate = static_cast<std::uint16_t>(p);
        if (in_use(candidate, taken)) continue;
        std::string why;
        if (auto bound = open(host_, candidate, domain, true, why)) return bound;  // else in use elsewhere: next
    }
    problem = "no free port left in the range " + range_text(*range_);
    return std::nullopt;
}

std::optional<std::uint16_t> port_listeners::restore(const std::string& domain, std::uint16_t port,
                                                     std::string& problem) {
    return open(host_, port, domain, true, problem);
}

void port_listeners::release_port(std::uint16_t port) {
    auto it = by_port_.find(port);
    if (it == by_port_.end()) return;
    auto gone = std::move(it->second);
    by_port_.erase(it);
    gone.close(make_error_code(error::stream_cancelled));
    spdlog::info("{} listener on port {} for tunnel {} closed", upper(protocol_), port, gone.domain);
}

void port_listeners::release(const std::string& domain) {
    if (auto port = port_of(domain)) release_port(*port);
}

std::optional<std::uint16_t> port_listeners::port_of(const std::string& domain) const {
    for (const auto& [port, l] : by_port_)
        if (l.runtime && l.domain == domain) return port;
    return std::nullopt;
}

std::vector<listener_info> port_listeners::listeners_of(const std::string& domain) const {
    std::vector<listener_info> out;
    for (const auto& [port, l] : by_port_)
        if (l.domain == domain) out.push_back(listener_info{protocol_, l.host, port, l.runtime, terminates_tls()});
    return out;
}

void port_listeners::close_all() {
    auto all = std::move(by_port_);
    by_port_.clear();
    for (auto& [port, l] : all) l.close(make_error_code(error::shutting_down));
}

}  // namespace tunely::server
