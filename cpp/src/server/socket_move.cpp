#include "socket_move.hpp"

#include <unistd.h>

namespace tunely::server {

std::optional<boost::asio::ip::tcp::socket> move_socket(boost::asio::ip::tcp::socket& from, const executor& to) {
    boost::system::error_code ec;
    const auto protocol = from.local_endpoint(ec).protocol();
    if (ec) {
        from.close(ec);
        return std::nullopt;
    }
    const auto fd = from.release(ec);
    if (ec) {
        from.close(ec);
        return std::nullopt;
    }
    boost::asio::ip::tcp::socket moved(to);
    moved.assign(protocol, fd, ec);
    if (ec) {
        ::close(fd);
        return std::nullopt;
    }
    return moved;
}

}  // namespace tunely::server
