// The outbox against an in-memory WebSocket (beast::test::stream): frames leave
// in order, a close goes after the frames queued before it, frames after a
// close are dropped, and a failing write stops the writer.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "tunely/transport/outbox.hpp"
#include "tunely/transport/ws_channel_impl.hpp"

namespace tunely::transport {
namespace {
namespace beast = boost::beast;
namespace websocket = beast::websocket;

TEST(outbox, writes_in_order_then_closes) {
    asio::io_context ioc;
    beast::test::stream client_end(ioc), server_end(ioc);
    client_end.connect(server_end);
    websocket::stream<beast::test::stream> server_ws(std::move(server_end));
    websocket::stream<beast::test::stream> client_ws(std::move(client_end));

    std::vector<std::string> received;
    bool client_saw_close = false;
    asio::co_spawn(ioc, [&]() -> awaitable<void> {
        co_await client_ws.async_handshake("localhost", "/ws", use_awaitable);
        for (;;) {
            beast::flat_buffer b;
            auto [ec, n] = co_await client_ws.async_read(b, as_tuple_awaitable);
            if (ec) {
                client_saw_close = ec == websocket::error::closed;
                co_return;
            }
            received.push_back(beast::buffers_to_string(b.data()));
        }
    }, asio::detached);

    boost::system::error_code result = asio::error::would_block;
    asio::co_spawn(ioc, [&]() -> awaitable<void> {
        co_await server_ws.async_accept(use_awaitable);
        ws_channel_impl<beast::test::stream> channel(std::move(server_ws), "test");
        outbox box(channel.get_executor());
        box.push_text("one");
        box.push_binary(std::string("\x00\x01", 2));
        box.push_text("three");
        box.push_close(1000, "bye");
        box.push_text("after close");  // dropped
        result = co_await box.run(channel);
    }, asio::detached);
    ioc.run();
    EXPECT_FALSE(result) << result.message();
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[0], "one");
    EXPECT_EQ(received[1], std::string("\x00\x01", 2));
    EXPECT_EQ(received[2], "three");
    EXPECT_TRUE(client_saw_close);
}

TEST(outbox, a_failing_write_stops_the_writer) {
    asio::io_context ioc;
    beast::test::fail_count fc(1);  // the first write fails
    beast::test::stream end(ioc, fc);
    ws_channel_impl<beast::test::stream> channel(websocket::stream<beast::test::stream>(std::move(end)), "test");
    outbox box(ioc.get_executor());
    box.push_text("lost");
    boost::system::error_code result;
    asio::co_spawn(ioc, [&]() -> awaitable<void> { result = co_await box.run(channel); }, asio::detached);
    ioc.run();
    EXPECT_TRUE(result);
    EXPECT_TRUE(box.closing());
}

}  // namespace
}  // namespace tunely::transport
