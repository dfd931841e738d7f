#include "tunely/server/tcp_listeners.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "tunely/server/accept_loop.hpp"
#include "tunely/server/tcp_listener.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::server {
using boost::asio::ip::tcp;

tcp_listeners::tcp_listeners(tunnel_server& server, transport::task_group& connections, std::string host)
    : port_listeners("tcp", std::move(host)), server_(server), connections_(connections) {}

bool tcp_listeners::terminates_tls() const { return server_.tcp_listener_tls() != nullptr; }

std::optional<port_listeners::bound_listener> tcp_listeners::bind(const std::string& host, std::uint16_t port,
                                                                  const std::string& domain,
                                                                  std::string& problem) {
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
    auto serve = [&server = server_, &connections = connections_, domain](tcp::socket socket) {
        connections.spawn(serve_tcp_connection(server, std::move(socket), domain), "tcp connection");
    };
    // The loop holds the acceptor and ends when it is closed.
    transport::spawn(server_.get_executor(), accept_loop(acceptor, serve), "tcp accept loop");
    return bound_listener{bound, [acceptor](std::error_code) {
                              boost::system::error_code ignored;
                              acceptor->close(ignored);
                          }};
}

}  // namespace tunely::server
