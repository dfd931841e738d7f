// The outbox against an in-memory WebSocket (beast::test::stream): frames leave
// in order, a close goes after the frames queued before it, frames after a
// close are dropped, and a failing write stops the writer.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <optional>

#include "tunely/protocol/v2_batch.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely/transport/outbox.hpp"
#include "tunely/transport/ws_channel_impl.hpp"
#include "ws_pair.hpp"

namespace tunely::transport {
namespace {

TEST(outbox, writes_in_order_then_closes) {
    asio::io_context ioc;
    ws_pair ends(ioc);
    auto& received = ends.received;
    auto& server_ws = *ends.server_ws;

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
    EXPECT_TRUE(ends.client_saw_close);
}

TEST(outbox, batches_binary_frames_queued_together_but_never_text) {
    asio::io_context ioc;
    ws_pair ends(ioc);
    auto& received = ends.received;
    auto& server_ws = *ends.server_ws;

    namespace v2 = protocol::v2;
    const auto a = v2::encode_data(1, "a", false), b = v2::encode_data(3, "bb", true);
    const auto big = v2::encode_data(5, std::string(60 * 1024, 'x'), false);
    asio::co_spawn(ioc, [&]() -> awaitable<void> {
        co_await server_ws.async_accept(use_awaitable);
        ws_channel_impl<beast::test::stream> channel(std::move(server_ws), "test");
        outbox box(channel.get_executor());
        box.enable_batching(80 * 1024);
        box.push_binary(a);
        box.push_binary(b);
        box.push_text("{}");      // text ends a batch and travels alone
        box.push_binary(a);       // alone: nothing queued behind it but text
        box.push_text("{}");
        box.push_binary(big);
        box.push_binary(big);     // would pass the 80 KiB limit: a second message
        box.push_binary(a);
        box.push_close(1000, "bye");
        co_await box.run(channel);
    }, asio::detached);
    ioc.run();
    ASSERT_EQ(received.size(), 6u);
    auto first = v2::split_batch(received[0]);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, (std::vector<std::string_view>{a, b}));
    EXPECT_EQ(received[1], "{}");
    EXPECT_EQ(received[2], a) << "a lone frame is not wrapped";
    EXPECT_EQ(received[3], "{}");
    EXPECT_EQ(received[4], big);
    auto last = v2::split_batch(received[5]);
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(*last, (std::vector<std::string_view>{big, a}));
}

TEST(v2_batch, splits_what_it_builds_and_rejects_malformed_batches) {
    namespace v2 = protocol::v2;
    const auto ping = v2::encode(v2::ping{7});
    std::string batch;
    v2::append_to_batch(batch, ping);
    v2::append_to_batch(batch, ping);
    ASSERT_TRUE(v2::is_batch(batch));
    auto frames = v2::split_batch(batch);
    ASSERT_TRUE(frames.has_value());
    ASSERT_EQ(frames->size(), 2u);
    EXPECT_TRUE(v2::decode((*frames)[1]).has_value());

    // Every truncation is malformed, except the one at a frame boundary (a shorter, valid batch).
    const std::size_t boundary = 6 + v2::batch_cost(ping.size());
    for (std::size_t cut = 0; cut < batch.size(); ++cut)
        EXPECT_EQ(v2::split_batch(std::string_view(batch).substr(0, cut)).has_value(), cut == boundary) << cut;
    std::string empty_batch(batch.substr(0, 6));
    EXPECT_FALSE(v2::split_batch(empty_batch).has_value()) << "at least one frame";
    std::string flagged = batch;
    flagged[1] = 1;
    EXPECT_FALSE(v2::split_batch(flagged).has_value()) << "flags must be 0";
    std::string on_stream = batch;
    on_stream[5] = 1;
    EXPECT_FALSE(v2::split_batch(on_stream).has_value()) << "stream id must be 0";
    std::string nested;
    v2::append_to_batch(nested, batch);
    EXPECT_FALSE(v2::split_batch(nested).has_value()) << "no batch inside a batch";
    std::string too_long = batch;
    too_long[9] = static_cast<char>(0x7f);  // first length now runs past the end
    EXPECT_FALSE(v2::split_batch(too_long).has_value());
    EXPECT_FALSE(v2::is_batch(ping));
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
