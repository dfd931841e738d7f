#include "tunely/server/udp_listeners.hpp"

#include <boost/asio/ip/udp.hpp>

#include <memory>

#include "tunely/server/udp_listener.hpp"

namespace tunely::server {
using boost::asio::ip::udp;

udp_listeners::udp_listeners(tunnel_server& server, transport::task_group& loops, std::string host)
    : port_listeners("udp", std::move(host)), server_(server), loops_(loops) {}

std::optional<port_listeners::bound_listener> udp_listeners::bind(const std::string& host, std::uint16_t port,
                                                                  const std::string& domain,
                                                                  std::string& problem) {
    // No SO_REUSEADDR: on UDP it would let a second socket share the port.
    udp::socket socket(server_.get_executor());
    try {
        udp::endpoint ep(boost::asio::ip::make_address(host), port);
        socket.open(ep.protocol());
        socket.bind(ep);
    } catch (const std::exception& e) {
        problem = e.what();
        return std::nullopt;
    }
    auto listener = std::make_shared<udp_listener>(server_, std::move(socket), domain);
    const auto bound = listener->local_endpoint().port();
    loops_.spawn(listener->run(), "udp listener");
    return bound_listener{bound, [listener](std::error_code why) { listener->close(why); }};
}

}  // namespace tunely::server
