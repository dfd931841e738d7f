// transport::task_group: children that wait on a timer, on a socket read and
// on an HTTP head read (Beast) are cancelled and joined; a child that ends by
// itself leaves the group; cancellation of a child is not logged as a failure.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <gtest/gtest.h>

#include "tunely/transport/task_group.hpp"

namespace tunely::transport {
namespace {
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

TEST(task_group, cancels_and_joins_children_blocked_in_io) {
    asio::io_context ioc;
    task_group group(ioc.get_executor());
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(ioc), client2(ioc);
    client.connect(acceptor.local_endpoint());
    client2.connect(acceptor.local_endpoint());
    int ended = 0;

    group.spawn([](asio::io_context& io, int& ended) -> awaitable<void> {
        asio::steady_timer t(io, std::chrono::hours(1));
        co_await t.async_wait(use_awaitable);  // throws operation_aborted when cancelled
        ++ended;
    }(ioc, ended), "timer");
    group.spawn([](tcp::socket s, int& ended) -> awaitable<void> {
        char b[16];
        auto [ec, n] = co_await s.async_read_some(asio::buffer(b), as_tuple_awaitable);
        EXPECT_EQ(ec, asio::error::operation_aborted);
        ++ended;
    }(acceptor.accept(), ended), "socket");
    group.spawn([](tcp::socket s, int& ended) -> awaitable<void> {
        beast::tcp_stream stream(std::move(s));
        beast::flat_buffer buffer;
        beast::http::request<beast::http::string_body> req;
        stream.expires_after(std::chrono::hours(1));
        auto [ec, n] = co_await beast::http::async_read(stream, buffer, req, as_tuple_awaitable);
        EXPECT_TRUE(ec);
        ++ended;
    }(acceptor.accept(), ended), "http");
    group.spawn([](int& ended) -> awaitable<void> {
        ++ended;
        co_return;
    }(ended), "quick");

    bool joined = false;
    asio::co_spawn(ioc, [](task_group& g, bool& joined) -> awaitable<void> {
        co_await g.join();
        joined = true;
    }(group, joined), asio::detached);
    ioc.poll();
    EXPECT_EQ(ended, 1) << "only the quick child ended by itself";
    EXPECT_EQ(group.size(), 3u);
    EXPECT_FALSE(joined);

    group.cancel();
    ioc.run_for(std::chrono::seconds(5));  // returns once nothing is left to do
    EXPECT_TRUE(joined);
    EXPECT_EQ(group.size(), 0u);
    EXPECT_EQ(ended, 3) << "the socket and HTTP children saw operation_aborted and finished; the timer's threw";
}

}  // namespace
}  // namespace tunely::transport
