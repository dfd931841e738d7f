#pragma once
// ws_channel over any Beast WebSocket stream type. Include this only where a
// concrete stream is wrapped; everything else uses ws_channel.
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <array>

#include "tunely/transport/ws_channel.hpp"

namespace tunely::transport {

template <class NextLayer>
class ws_channel_impl final : public ws_channel {
public:
    using websocket = boost::beast::websocket::stream<NextLayer>;

    ws_channel_impl(websocket ws, std::string remote_address)
        : ws_(std::move(ws)), remote_address_(std::move(remote_address)) {
        ws_.auto_fragment(false);
        ws_.write_buffer_bytes(64 * 1024);
    }

    executor get_executor() override { return ws_.get_executor(); }

    awaitable<boost::system::error_code> read(std::string_view& payload, bool& text) override {
        buffer_.clear();
        auto [ec, n] = co_await ws_.async_read(buffer_, as_tuple_awaitable);
        if (ec) co_return ec;
        auto data = buffer_.cdata();
        payload = std::string_view(static_cast<const char*>(data.data()), n);
        text = ws_.got_text();
        co_return ec;
    }

    awaitable<boost::system::error_code> write(asio::const_buffer head, asio::const_buffer body,
                                               bool text) override {
        ws_.text(text);
        std::array<asio::const_buffer, 2> buffers{head, body};
        auto [ec, n] = co_await ws_.async_write(buffers, as_tuple_awaitable);
        (void)n;
        co_return ec;
    }

    awaitable<boost::system::error_code> close(std::uint16_t code, std::string_view reason) override {
        boost::beast::websocket::close_reason cr(static_cast<boost::beast::websocket::close_code>(code), boost::beast::string_view(reason.data(), reason.size()));
        auto [ec] = co_await ws_.async_close(cr, as_tuple_awaitable);
        co_return ec;
    }

    void abort() noexcept override {
        boost::system::error_code ignored;
        boost::beast::get_lowest_layer(ws_).close();
        (void)ignored;
    }

    void set_read_limit(std::size_t bytes) override { ws_.read_message_max(bytes); }
    // (Test streams have no timer: nothing to bound there.)
    void expires_after(std::chrono::steady_clock::duration d) override {
        auto& lowest = boost::beast::get_lowest_layer(ws_);
        if constexpr (requires { lowest.expires_after(d); }) lowest.expires_after(d);
    }
    void expires_never() override {
        auto& lowest = boost::beast::get_lowest_layer(ws_);
        if constexpr (requires { lowest.expires_never(); }) lowest.expires_never();
    }

    const std::string& remote_address() const noexcept override { return remote_address_; }

    websocket& stream() noexcept { return ws_; }

private:
    websocket ws_;
    boost::beast::flat_buffer buffer_;
    std::string remote_address_;
};

}  // namespace tunely::transport
