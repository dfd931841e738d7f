#pragma once
// Moves a connected TCP socket to another io_context (another I/O thread, tunely server --threads): the
// descriptor leaves this socket's reactor for the other's, with its options and buffered bytes in the kernel.
// Only while no operation is pending on it. Empty when the socket is already gone (then it is closed).
#include <boost/asio/ip/tcp.hpp>

#include <optional>

#include "tunely/transport/asio.hpp"

namespace tunely::server {

std::optional<boost::asio::ip::tcp::socket> move_socket(boost::asio::ip::tcp::socket& from, const executor& to);

}  // namespace tunely::server
