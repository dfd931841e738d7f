// transport::stream, the one flow-control implementation of protocol 2 (spec
// §2.6), against a real outbox writing to an in-memory WebSocket: DATA never
// exceeds the peer's credit, received bytes beyond our window are refused,
// WINDOW goes out once half a window is consumed, abort() wakes every waiter.
#include <gtest/gtest.h>

#include <memory>

#include "tunely/core/error.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely/transport/outbox.hpp"
#include "tunely/transport/stream.hpp"
#include "tunely/transport/ws_channel_impl.hpp"
#include "ws_pair.hpp"

namespace tunely::transport {
namespace {
namespace v2 = protocol::v2;
using protocol::v2_initial_window;
using protocol::v2_max_data_payload;

// An outbox writing to the server end of a ws_pair; frames the client end got, decoded.
struct wire {
    explicit wire(asio::io_context& ioc) : ioc(ioc), ends(ioc), box(std::make_shared<outbox>(ioc.get_executor())) {
        asio::co_spawn(ioc, [this]() -> awaitable<void> {
            co_await ends.server_ws->async_accept(use_awaitable);
            channel.emplace(std::move(*ends.server_ws), "test");
            co_await box->run(*channel);
        }, asio::detached);
    }
    // Closes the WebSocket and runs every coroutine to its end before the members go.
    ~wire() {
        box->push_close(1000, "end");
        ioc.run();
    }
    std::vector<v2::frame> frames() const {
        std::vector<v2::frame> out;
        for (auto& m : ends.received) out.push_back(*v2::decode(m));
        return out;
    }
    asio::io_context& ioc;
    ws_pair ends;
    std::shared_ptr<outbox> box;
    std::optional<ws_channel_impl<beast::test::stream>> channel;
};

TEST(stream, sends_within_the_peers_credit_and_waits_for_window) {
    asio::io_context ioc;
    wire w(ioc);
    stream st(ioc.get_executor(), 7, w.box);
    const std::string body(300 * 1024, 'b');
    std::optional<bool> sent;
    asio::co_spawn(ioc, [&]() -> awaitable<void> { sent = co_await st.send(body, true); }, asio::detached);
    ioc.poll();
    EXPECT_FALSE(sent.has_value()) << "waits: 300 KiB is beyond the initial window";
    auto frames = w.frames();
    std::size_t total = 0;
    for (auto& f : frames) {
        auto& d = std::get<v2::data>(f);
        EXPECT_EQ(d.id, 7u);
        EXPECT_LE(d.bytes.size(), v2_max_data_payload);
        EXPECT_FALSE(d.end_stream);
        total += d.bytes.size();
    }
    EXPECT_EQ(total, v2_initial_window);

    st.grant(100 * 1024);
    ioc.poll();
    ASSERT_TRUE(sent.has_value());
    EXPECT_TRUE(*sent);
    frames = w.frames();
    auto& last = std::get<v2::data>(frames.back());
    EXPECT_TRUE(last.end_stream);
    EXPECT_EQ(last.bytes.size(), body.size() - v2_initial_window);
    EXPECT_EQ(st.send_credit(), static_cast<std::int64_t>(v2_initial_window + 100 * 1024 - body.size()));
}

TEST(stream, refuses_bytes_beyond_our_window_and_grants_credit_in_half_windows) {
    asio::io_context ioc;
    wire w(ioc);
    stream st(ioc.get_executor(), 3, w.box);
    EXPECT_TRUE(st.receive(std::string(v2_initial_window, 'r'), false));
    EXPECT_FALSE(st.receive("x", false)) << "one byte beyond the window";
    EXPECT_EQ(st.received().buffered_bytes(), v2_initial_window) << "refused bytes are not queued";

    st.consumed(v2_initial_window / 2 - 1);
    ioc.poll();
    EXPECT_TRUE(w.frames().empty()) << "no WINDOW below half a window";
    st.consumed(1);
    ioc.poll();
    auto frames = w.frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(std::get<v2::window>(frames[0]).increment, v2_initial_window / 2);
    EXPECT_TRUE(st.receive(std::string(v2_initial_window / 2, 'r'), true)) << "the granted credit is usable";
    EXPECT_FALSE(st.receive("", false)) << "nothing after END_STREAM";

    st.consumed(v2_initial_window);
    ioc.poll();
    EXPECT_EQ(w.frames().size(), 1u) << "no WINDOW once the peer's body ended";
}

TEST(stream, abort_wakes_a_sender_waiting_for_credit_and_a_reader) {
    asio::io_context ioc;
    wire w(ioc);
    stream st(ioc.get_executor(), 5, w.box);
    st.spend(v2_initial_window);  // as if all of it went inline
    std::optional<bool> sent;
    std::optional<result<std::optional<std::string>>> read;
    asio::co_spawn(ioc, [&]() -> awaitable<void> { sent = co_await st.send("more", false); }, asio::detached);
    asio::co_spawn(ioc, [&]() -> awaitable<void> {
        (void)co_await st.received().next();  // the queued chunk first
        read = co_await st.received().next();
    }, asio::detached);
    st.receive("queued", false);
    ioc.poll();
    EXPECT_FALSE(sent.has_value());
    EXPECT_FALSE(read.has_value());

    st.abort(make_error_code(error::stream_cancelled));
    ioc.poll();
    ASSERT_TRUE(sent.has_value());
    EXPECT_FALSE(*sent);
    ASSERT_TRUE(read.has_value());
    ASSERT_FALSE(read->has_value());
    EXPECT_EQ(read->error(), make_error_code(error::stream_cancelled));
    EXPECT_TRUE(w.frames().empty()) << "nothing sent without credit";
}

TEST(stream, ending_the_stream_needs_no_credit) {
    asio::io_context ioc;
    wire w(ioc);
    stream st(ioc.get_executor(), 11, w.box);
    st.spend(v2_initial_window);
    std::optional<bool> sent;
    asio::co_spawn(ioc, [&]() -> awaitable<void> { sent = co_await st.send({}, true); }, asio::detached);
    ioc.poll();
    ASSERT_TRUE(sent.has_value()) << "an empty END_STREAM does not wait for WINDOW";
    EXPECT_TRUE(*sent);
    auto frames = w.frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_TRUE(std::get<v2::data>(frames[0]).end_stream);
    EXPECT_TRUE(std::get<v2::data>(frames[0]).bytes.empty());
}

TEST(stream, a_stream_outliving_its_session_sends_nothing) {
    asio::io_context ioc;
    std::weak_ptr<outbox> gone;
    {
        auto box = std::make_shared<outbox>(ioc.get_executor());
        gone = box;
    }
    stream st(ioc.get_executor(), 9, gone);
    std::optional<bool> sent;
    asio::co_spawn(ioc, [&]() -> awaitable<void> { sent = co_await st.send("late", true); }, asio::detached);
    ioc.poll();
    ASSERT_TRUE(sent.has_value());
    EXPECT_FALSE(*sent);
}

}  // namespace
}  // namespace tunely::transport
