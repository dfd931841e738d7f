#include "tunely/server/tcp_listeners.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "tunely/server/accept_loop.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::server {
using boost::asio::ip::tcp;

tcp_listeners::tcp_listeners(tunnel_server& server, transport::task_group& connections, std::string host)
    : server_(server), connections_(connections), host_(std::move(host)) {}

tcp_listeners::~tcp_listeners() { close_all(); }

void tcp_listeners::set_port_range(std::uint16_t low, std::uint16_t high) { range_.emplace(low, high); }

std::optional<std::uint16_t> tcp_listeners::open(const std::string& host, std::uint16_t port,
                                                 const std::string& domain, bool runtime, std::string& problem) {
    auto acceptor = std::make_shared<tcp::acceptor>(server_.get_executor());
    try {
        tcp::endpoint ep(boost::asio::ip::make_address(host), port);
        acceptor->open(ep.protocol());
        acceptor->set_option(tcp::acceptor::reuse_address(true));
        acceptor->bind(ep);
        acceptor->listen(boost::asio::socket_base::max_listen_connections);
    } catch (const std::exception& e) {
        problem = e.what();
        return std::nullopt;
    }
    const auto bound = acceptor->local_endpoint().port();
    auto serve = [this, domain](tcp::socket socket) {
        connections_.spawn(serve_tcp_connection(server_, std::move(socket), domain), "tcp connection");
    };
    transport::spawn(server_.get_executor(), accept_loop(acceptor, serve), "tcp accept loop");
    by_port_[bound] = listener{domain, std::move(acceptor), runtime};
    // Static listeners are announced by the host application (on stdout); runtime ones here.
    if (runtime) spdlog::info("TCP listener on {}:{} for tunnel {}", host, bound, domain);
    return bound;
}

std::optional<std::uint16_t> tcp_listeners::open_static(const tcp_listen_spec& spec, std::string& problem) {
    return open(spec.host, spec.port, spec.domain, false, problem);
}

std::optional<std::uint16_t> tcp_listeners::assign(const std::string& domain, std::optional<std::uint16_t> port,
                                                   const std::vector<int>& taken, std::string& problem) {
    if (!range_) {
        problem = "TCP ports are not assignable on this server (start it with --tcp-ports LOW-HIGH)";
        return std::nullopt;
    }
    const auto [low, high] = *range_;
    auto current = port_of(domain);
    if (port) {
        if (*port < low || *port > high) {
            problem = "port " + std::to_string(*port) + " is outside the assignable range " + std::to_string(low) +
                      "-" + std::to_string(high);
            return std::nullopt;
        }
        if (current == port) return port;  // unchanged
        if (by_port_.count(*port) || std::find(taken.begin(), taken.end(), *port) != taken.end()) {
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
        if (by_port_.count(candidate) || std::find(taken.begin(), taken.end(), candidate) != taken.end()) continue;
        std::string why;
        if (auto bound = open(host_, candidate, domain, true, why)) return bound;  // else in use elsewhere: next
    }
    problem = "no free port left in the range " + std::to_string(low) + "-" + std::to_string(high);
    return std::nullopt;
}

std::optional<std::uint16_t> tcp_listeners::restore(const std::string& domain, std::uint16_t port,
                                                    std::string& problem) {
    return open(host_, port, domain, true, problem);
}

void tcp_listeners::release_port(std::uint16_t port) {
    auto it = by_port_.find(port);
    if (it == by_port_.end()) return;
    boost::system::error_code ignored;
    it->second.acceptor->close(ignored);  // its accept loop ends; accepted connections go on
    spdlog::info("TCP listener on port {} for tunnel {} closed", port, it->second.domain);
    by_port_.erase(it);
}

void tcp_listeners::release(const std::string& domain) {
    if (auto port = port_of(domain)) release_port(*port);
}

std::optional<std::uint16_t> tcp_listeners::port_of(const std::string& domain) const {
    for (const auto& [port, l] : by_port_)
        if (l.runtime && l.domain == domain) return port;
    return std::nullopt;
}

void tcp_listeners::close_all() {
    boost::system::error_code ignored;
    for (auto& [port, l] : by_port_) l.acceptor->close(ignored);
    by_port_.clear();
}

}  // namespace tunely::server
