// Memory attacks by a tunnel client with a valid token, with the server's
// resident memory sampled from /proc while they run: endless 1.1 stream chunks
// to a caller that never reads, protocol-2 credit granted by a client that then
// stops reading during an upload, ping floods whose pongs are never read. The
// bound: 64 MiB above the server's idle RSS, and another tunnel keeps serving.
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "hostile_peers.hpp"
#include "test_target.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace asio = boost::asio;
using namespace hostile;

constexpr std::size_t bound_kib = 64 * 1024;

// A caller that sends a request and never reads the answer.
struct silent_caller {
    silent_caller(std::uint16_t port, const std::string& request) : socket(ioc) {
        socket.connect({asio::ip::make_address("127.0.0.1"), port});
        int small = 4096;  // keep the kernel from absorbing the attack in socket buffers
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        asio::write(socket, asio::buffer(request));
    }
    asio::io_context ioc;
    asio::ip::tcp::socket socket;
};

TEST(hostile_memory, endless_v1_stream_to_a_caller_that_never_reads) {
    tunely_server_process server;
    bystander other(server);
    auto ws = raw_client(server, server.create_tunnel("flood1"), false);
    const auto idle = rss_kib(server.process().pid());
    silent_caller caller(server.port(), "GET /t/flood1/sse HTTP/1.1\r\nHost: x\r\n\r\n");
    auto req = next_v1_request(*ws);
    ws->send_text(json::serialize(json::object{{"type", "stream_start"}, {"id", req.at("id")}, {"status", 200},
                                               {"headers", {{"Content-Type", "text/event-stream"}}}}));
    rss_watch watch(server.process().pid());
    const std::string chunk = json::serialize(
        json::object{{"type", "stream_chunk"}, {"id", req.at("id")}, {"data", std::string(64 * 1024, 'x')}});
    for (int i = 0; i < 2560; ++i) ws->send_text(chunk);  // 160 MiB
    other.expect_served(server);
    const auto peak = watch.finish();
    EXPECT_LT(peak - idle, bound_kib) << "idle " << idle << " KiB, peak " << peak << " KiB";
    std::cout << "[ rss      ] idle " << idle << " KiB, peak " << peak << " KiB\n";
    ws->send_text(R"({"type":"ping"})");  // the session itself lives on
    bool pong = false;
    for (int i = 0; i < 20 && !pong; ++i) {
        auto m = ws->read();
        ASSERT_FALSE(m.closed) << m.close_reason;
        pong = json::parse(m.data).at("type").as_string() == "pong";
    }
    EXPECT_TRUE(pong);
}

TEST(hostile_memory, v2_client_grants_credit_then_stops_reading_during_an_upload) {
    tunely_server_process server;
    bystander other(server);
    auto ws = raw_client(server, server.create_tunnel("stall2"), true);
    const auto idle = rss_kib(server.process().pid());
    constexpr std::size_t upload = 128u * 1024 * 1024;
    std::atomic<std::size_t> sent{0};
    asio::io_context ioc;
    asio::ip::tcp::socket caller(ioc);
    caller.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    asio::write(caller, asio::buffer("POST /t/stall2/up HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                     std::to_string(upload) + "\r\n\r\n"));
    std::thread writer([&, fd = caller.native_handle()] {
        // Writes until the server has stopped reading for 2 s (it is then holding back).
        std::string block(64 * 1024, 'u');
        while (sent < upload) {
            auto n = ::send(fd, block.data(), block.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno != EAGAIN) return;
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 2000) <= 0) return;
        }
    });
    auto open = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open);
    rss_watch watch(server.process().pid());
    for (int i = 0; i < 16; ++i) ws->send_binary(v2::encode(v2::window{open->id, 8u * 1024 * 1024}));
    // From here on the client reads nothing.
    writer.join();
    other.expect_served(server);
    const auto peak = watch.finish();
    EXPECT_LT(sent.load(), upload) << "the server kept reading the caller although the client stopped reading";
    EXPECT_LT(peak - idle, bound_kib) << "idle " << idle << " KiB, peak " << peak << " KiB, sent "
                                      << sent.load() / 1024 << " KiB";
    std::cout << "[ rss      ] idle " << idle << " KiB, peak " << peak << " KiB, caller sent " << sent.load() / 1024
              << " KiB\n";
}

TEST(hostile_memory, a_caller_that_stops_reading_loses_its_connection_after_the_send_timeout) {
    test_target target;
    tunely_server_process server({"--send-timeout", "1"});
    auto client = start_client(server, server.create_tunnel("reader"), target.url());
    ASSERT_TRUE(server.wait_connected("reader")) << client->output();
    silent_caller caller(server.port(), "GET /t/reader/bytes?size=67108864 HTTP/1.1\r\nHost: x\r\n\r\n");
    // The response fills the socket buffers, then the caller's window stays at zero: the kernel
    // cuts the connection after --send-timeout and the stream is released on both sides.
    bool released = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool was_busy = false;
    while (!released && std::chrono::steady_clock::now() < deadline) {
        auto v = json::parse(server.admin("GET", "/api/tunnels/reader").body);
        auto n = v.at("live").at("in_flight").as_int64();
        was_busy = was_busy || n > 0;
        released = was_busy && n == 0;
        if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(was_busy);
    EXPECT_TRUE(released) << "the stream of a caller that stopped reading is still open";
}

TEST(hostile_memory, v1_client_refuses_an_oversized_target_response_before_reading_it) {
    test_target target;
    tunely_server_process server;
    auto client = start_client(server, server.create_tunnel("huge1"), target.url(), {"--no-protocol-2"});
    ASSERT_TRUE(server.wait_connected("huge1")) << client->output();
    const auto idle = rss_kib(client->pid());
    rss_watch watch(client->pid());
    http_call c;
    c.target = "/t/huge1/bytes?size=268435456";  // 256 MiB, far above the 10 MiB 1.1 body cap
    c.timeout = std::chrono::seconds(60);
    auto r = http_request(server.port(), c);
    const auto peak = watch.finish();
    EXPECT_EQ(r.status, 502u) << r.error;
    EXPECT_LT(peak - idle, bound_kib) << "client idle " << idle << " KiB, peak " << peak << " KiB";
    std::cout << "[ rss      ] client idle " << idle << " KiB, peak " << peak << " KiB\n";
}

class ping_flood : public ::testing::TestWithParam<bool> {};

TEST_P(ping_flood, pongs_never_read_end_the_session_not_the_server) {
    const bool v2 = GetParam();
    tunely_server_process server;
    bystander other(server);
    auto ws = raw_client(server, server.create_tunnel("pings"), v2);
    const auto idle = rss_kib(server.process().pid());
    rss_watch watch(server.process().pid());
    const std::string ping = v2 ? v2::encode(v2::ping{42}) : std::string(R"({"type":"ping"})");
    try {
        for (int i = 0; i < 3'000'000; ++i) v2 ? ws->send_binary(ping) : ws->send_text(ping);
    } catch (const std::exception&) {
        // the server closed the session: that is the expected end of the flood
    }
    EXPECT_TRUE(server.wait_connected("pings", false)) << "a peer that never reads is dropped";
    other.expect_served(server);
    const auto peak = watch.finish();
    EXPECT_LT(peak - idle, bound_kib) << "idle " << idle << " KiB, peak " << peak << " KiB";
    std::cout << "[ rss      ] idle " << idle << " KiB, peak " << peak << " KiB\n";
    EXPECT_TRUE(server.process().wait_for("pings disconnected.*(stopped reading)", std::chrono::seconds(10)))
        << server.process().output();
}

INSTANTIATE_TEST_SUITE_P(both_protocols, ping_flood, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "v2" : "v1"; });

}  // namespace
}  // namespace tunely::test
