#pragma once
// Keep-alive connections to the target service. Not thread-safe: one executor.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <deque>
#include <memory>
#include <string>

#include "tunely/client/tunnel_client.hpp"
#include "tunely/core/result.hpp"
#include "tunely/transport/asio.hpp"

namespace tunely::client {

struct target_address {
    std::string host;
    std::string port;
    std::string base_path;  // prefix prepended to every request path ("" for none)
    std::string host_header;
};

// Parses "http://host[:port][/base]". Errors: invalid_field.
result<target_address> parse_target_url(std::string_view url);

class target_pool {
public:
    using connection = std::unique_ptr<boost::beast::tcp_stream>;

    // `tcp_target`, `udp_target`: where raw TCP streams and UDP sessions go (tcp_target_of(), udp_target_of()).
    target_pool(const executor& ex, target_address address, host_port tcp_target, host_port udp_target,
                std::size_t max_idle);

    const target_address& address() const noexcept { return address_; }
    const host_port& tcp_target() const noexcept { return tcp_target_; }
    const host_port& udp_target() const noexcept { return udp_target_; }
    // An idle connection or a new one. Errors are connection errors (refused,
    // unreachable, timeout): the caller maps them to target_unavailable.
    awaitable<result<connection>> acquire(std::chrono::milliseconds connect_timeout);
    // A new connection to the HTTP target, never an idle one.
    awaitable<result<connection>> connect_new(std::chrono::milliseconds connect_timeout);
    // Connects `c`, a fresh stream the caller owns, to the raw TCP target (never a pooled connection: a
    // relay must not inherit HTTP keep-alive state). The caller may cancel() `c` meanwhile to abort the
    // attempt (a RESET, the session's end). Errors: resolver and connection errors, beast::error::timeout.
    awaitable<boost::system::error_code> connect_tcp(boost::beast::tcp_stream& c,
                                                     std::chrono::milliseconds connect_timeout);
    // Opens `s` and connects it to the UDP target (resolved each time: the first address of the name). A
    // connected UDP socket sends only there and receives only from there. Errors: resolver and socket errors.
    awaitable<boost::system::error_code> connect_udp(boost::asio::ip::udp::socket& s);
    // Returns a connection that finished a keep-alive exchange.
    void release(connection c);
    void clear() { idle_.clear(); }

private:
    awaitable<boost::system::error_code> connect(boost::beast::tcp_stream& c, const std::string& host,
                                                 const std::string& port, std::chrono::milliseconds connect_timeout);

    executor ex_;
    target_address address_;
    host_port tcp_target_;
    host_port udp_target_;
    std::size_t max_idle_;
    std::deque<connection> idle_;
    boost::asio::ip::tcp::resolver resolver_;
};

}  // namespace tunely::client
