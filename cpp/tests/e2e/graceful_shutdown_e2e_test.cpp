// Graceful shutdown: on SIGTERM the server stops accepting, tells its sessions
// to go away, lets the exchanges in flight finish within --shutdown-grace, then
// exits; a rolling restart loses no request that started before the signal.
#include <csignal>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <future>

#include "hostile_peers.hpp"
#include "test_target.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

std::int64_t in_flight(const tunely_server_process& server, const std::string& domain) {
    auto r = server.admin("GET", "/api/tunnels/" + domain);
    if (r.status != 200) return -1;
    auto v = json::parse(r.body);
    return v.at("live").is_null() ? 0 : v.at("live").at("in_flight").as_int64();
}

// Waits (bounded) until `n` exchanges are in flight on the tunnel.
bool wait_in_flight(const tunely_server_process& server, const std::string& domain, std::int64_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (in_flight(server, domain) >= n) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

class graceful_shutdown : public ::testing::TestWithParam<bool> {};

TEST_P(graceful_shutdown, a_rolling_restart_loses_no_request_in_flight) {
    const bool v2 = GetParam();
    test_target target;
    tunely_server_process server({"--shutdown-grace", "10"});
    std::vector<std::string> client_args;
    if (!v2) client_args.push_back("--no-protocol-2");
    auto client = start_client(server, server.create_tunnel("rolling"), target.url(), client_args);
    ASSERT_TRUE(server.wait_connected("rolling")) << client->output();

    std::vector<std::future<http_result>> calls;
    for (int i = 0; i < 8; ++i)
        calls.push_back(hostile::call(server, "/t/rolling/slow?ms=1500&i=" + std::to_string(i)));
    ASSERT_TRUE(wait_in_flight(server, "rolling", 8));
    const auto signalled = std::chrono::steady_clock::now();
    server.process().signal(SIGTERM);
    for (auto& c : calls) {
        auto r = c.get();
        EXPECT_EQ(r.status, 200u) << r.error;
        EXPECT_EQ(r.body, "slow");
    }
    auto code = server.process().wait_exit(std::chrono::seconds(15));
    ASSERT_TRUE(code.has_value()) << server.process().output();
    EXPECT_EQ(*code, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(10))
        << "the server waited out its grace although every exchange had finished";
    if (v2) {
        EXPECT_NE(server.process().output().find("draining: server shutting down"), std::string::npos) << server.process().output();
        EXPECT_TRUE(client->wait_for("server going away: reconnecting now", std::chrono::seconds(5)))
            << client->output();
    }
    // The same server comes back on the same port and database: the client is served again.
    server.restart();
    ASSERT_TRUE(server.wait_connected("rolling", true, std::chrono::seconds(30))) << client->output();
    http_call c;
    c.target = "/t/rolling/echo";
    EXPECT_EQ(http_request(server.port(), c).status, 200u);
}

INSTANTIATE_TEST_SUITE_P(protocols, graceful_shutdown, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "v2" : "v1_1"; });

TEST(graceful_shutdown_limits, past_the_grace_sessions_close_and_a_second_signal_stops_at_once) {
    test_target target;
    tunely_server_process server({"--shutdown-grace", "0.5"});
    auto client = start_client(server, server.create_tunnel("stuck"), target.url());
    ASSERT_TRUE(server.wait_connected("stuck")) << client->output();
    auto slow = hostile::call(server, "/t/stuck/slow?ms=20000");
    ASSERT_TRUE(wait_in_flight(server, "stuck", 1));
    server.process().signal(SIGTERM);
    auto code = server.process().wait_exit(std::chrono::seconds(8));  // grace 0.5 s + close handshakes ≤ 2 s
    ASSERT_TRUE(code.has_value()) << server.process().output();
    auto r = slow.get();
    EXPECT_NE(r.status, 200u) << "the request outlived the grace period and was cut";

    tunely_server_process second({"--shutdown-grace", "30"});
    auto client2 = start_client(second, second.create_tunnel("stuck2"), target.url());
    ASSERT_TRUE(second.wait_connected("stuck2")) << client2->output();
    auto slow2 = hostile::call(second, "/t/stuck2/slow?ms=20000");
    ASSERT_TRUE(wait_in_flight(second, "stuck2", 1));
    second.process().signal(SIGTERM);
    ASSERT_TRUE(second.process().wait_for("shutting down", std::chrono::seconds(5)));
    second.process().signal(SIGTERM);
    EXPECT_TRUE(second.process().wait_exit(std::chrono::seconds(5)).has_value()) << "a second signal stops at once";
    (void)slow2.get();
}

// Caller connections are children of the accept loop: at shutdown, the idle keep-alive ones and
// one stuck halfway through a head are cancelled and joined (the server says so when one does not
// end in time), long before their --header-timeout.
TEST(graceful_shutdown_limits, idle_caller_connections_are_cancelled_and_joined) {
    test_target target;
    tunely_server_process server({"--shutdown-grace", "5", "--header-timeout", "600"});
    auto client = start_client(server, server.create_tunnel("idle"), target.url());
    ASSERT_TRUE(server.wait_connected("idle")) << client->output();
    hostile::raw_connection kept(server.port()), half(server.port());
    kept.write("GET /t/idle/echo HTTP/1.1\r\nHost: x\r\n\r\n");
    auto first = kept.read_response();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->result_int(), 200u);
    half.write("GET /t/idle/echo HTTP/1.1\r\nHo");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both connections wait in the server

    const auto signalled = std::chrono::steady_clock::now();
    server.process().signal(SIGTERM);
    EXPECT_TRUE(kept.wait_closed(std::chrono::seconds(10)));
    EXPECT_TRUE(half.wait_closed(std::chrono::seconds(10)));
    auto code = server.process().wait_exit(std::chrono::seconds(10));
    ASSERT_TRUE(code.has_value()) << server.process().output();
    EXPECT_EQ(*code, 0);
    EXPECT_EQ(server.process().output().find("did not end in time"), std::string::npos) << server.process().output();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(5)) << "not held by the idle callers";
}

// An admin forward() through a tunnel is an exchange like any other: one in flight at SIGTERM is answered
// (its envelope carries the target's answer), then the server exits.
TEST(graceful_shutdown_limits, an_admin_forward_in_flight_is_answered) {
    test_target target;
    tunely_server_process server({"--shutdown-grace", "10"});
    auto client = start_client(server, server.create_tunnel("fwd"), target.url());
    ASSERT_TRUE(server.wait_connected("fwd")) << client->output();
    auto forwarded = std::async(std::launch::async, [&] {
        return server.admin("POST", "/api/tunnels/fwd/forward", R"({"method":"GET","path":"/slow?ms=1500"})");
    });
    ASSERT_TRUE(wait_in_flight(server, "fwd", 1));
    server.process().signal(SIGTERM);
    auto r = forwarded.get();
    ASSERT_EQ(r.status, 200u) << r.body;
    auto envelope = json::parse(r.body).as_object();
    EXPECT_EQ(envelope.at("status").as_int64(), 200) << r.body;
    EXPECT_EQ(envelope.at("body").as_string(), "slow") << r.body;
    auto code = server.process().wait_exit(std::chrono::seconds(10));
    ASSERT_TRUE(code.has_value()) << server.process().output();
    EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace tunely::test
