#include "udp_relay.hpp"

#include <boost/asio/error.hpp>

#include <memory>

#include "tunely/protocol/limits.hpp"

namespace tunely::client {

bool udp_target_session::push(std::string datagram) {
    if (stopped_ || finished_ || queue_.size() >= max_datagrams || queued_bytes_ + datagram.size() > max_bytes)
        return false;
    queued_bytes_ += datagram.size();
    queue_.push_back(std::move(datagram));
    changed_.notify();
    return true;
}

void udp_target_session::finish() {
    finished_ = true;
    changed_.notify();
}

void udp_target_session::stop() {
    // Closed each time: a socket opened by a connect that was under way at the first stop() is closed too.
    boost::system::error_code ignored;
    socket_.close(ignored);  // pending operations end with operation_aborted; the port is free at once
    if (stopped_) return;
    stopped_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    changed_.notify();
}

bool udp_target_session::transient(const boost::system::error_code& ec) noexcept {
    namespace e = boost::asio::error;
    return ec == e::connection_refused || ec == e::host_unreachable || ec == e::network_unreachable ||
           ec == e::message_size || ec == e::no_buffer_space || ec == e::connection_reset;
}

awaitable<boost::system::error_code> udp_target_session::receive(const std::function<void(std::string_view)>& deliver) {
    // One byte more than a DATA frame: a datagram never arrives cut short unnoticed (none is that large).
    constexpr std::size_t buffer_size = protocol::v2_max_data_payload + 1;
    auto buffer = std::make_unique_for_overwrite<char[]>(buffer_size);  // written by each receive before use
    while (!stopped_) {
        auto [ec, n] = co_await socket_.async_receive(asio::buffer(buffer.get(), buffer_size), as_tuple_awaitable);
        if (stopped_) break;
        if (ec) {
            if (transient(ec)) continue;  // an ICMP error for an earlier datagram: UDP carries on
            co_return ec;
        }
        if (n > max_udp_datagram) continue;  // cannot be a datagram of the peer's side
        deliver(std::string_view(buffer.get(), n));
    }
    co_return boost::system::error_code();
}

awaitable<boost::system::error_code> udp_target_session::send(const std::function<void(std::size_t)>& sent) {
    for (;;) {
        while (queue_.empty() && !stopped_ && !finished_) co_await changed_.wait();
        if (stopped_ || queue_.empty()) break;  // stopped, or finished with everything sent
        std::string datagram = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= datagram.size();
        auto [ec, n] = co_await socket_.async_send(asio::buffer(datagram), as_tuple_awaitable);
        (void)n;
        if (stopped_) break;
        if (ec && !transient(ec)) co_return ec;
        sent(datagram.size());
    }
    co_return boost::system::error_code();
}

}  // namespace tunely::client
