#pragma once
// A WebSocket as a channel of whole messages, with the stream type erased so
// that session logic (protocol 1.1 and 2, flow control, heartbeat) compiles
// once for TCP, TLS and beast::test::stream alike (ws_channel_impl.hpp).
//
// Concurrency: at most one read() and one write() or close() outstanding at a
// time (Beast's rule); all calls on the channel's executor.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/asio/buffer.hpp>

#include "tunely/transport/asio.hpp"

namespace tunely::transport {

class ws_channel {
public:
    virtual ~ws_channel() = default;

    virtual executor get_executor() = 0;
    // Reads one whole message. On success `payload` views an internal buffer
    // that stays valid until the next read().
    virtual awaitable<boost::system::error_code> read(std::string_view& payload, bool& text) = 0;
    // Writes one message made of `head` followed by `body` (either may be empty).
    virtual awaitable<boost::system::error_code> write(asio::const_buffer head, asio::const_buffer body,
                                                       bool text) = 0;
    // Sends a close frame and waits (bounded by the handshake timeout) for the peer's.
    virtual awaitable<boost::system::error_code> close(std::uint16_t code, std::string_view reason) = 0;
    // Closes the socket at once, failing pending operations.
    virtual void abort() noexcept = 0;
    virtual void set_read_limit(std::size_t bytes) = 0;
    // Bounds the operations started from now on (all of them fail at the
    // deadline); expires_never() lifts the bound.
    virtual void expires_after(std::chrono::steady_clock::duration d) = 0;
    virtual void expires_never() = 0;
    virtual const std::string& remote_address() const noexcept = 0;
};

}  // namespace tunely::transport
