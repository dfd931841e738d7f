// UDP tunnels end to end: `tunely server --udp-listen` with a hand-made original 0.12 client (udp_open,
// binary udp_data, udp_close; tunely-0.12.md §3) and with our client over protocol 2 and 1.1.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <thread>

#include "tunely/protocol/v1_binary.hpp"
#include "tunely_stack.hpp"
#include "udp_peers.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace v1 = protocol::v1;
using namespace std::chrono_literals;

// An external UDP peer: its own socket on 127.0.0.1, sending to the listener.
using udp_caller = udp_peers::caller;

// --- an original 0.12 client, by hand ---
class udp_v1_server : public ::testing::Test {
protected:
    void start(std::vector<std::string> extra = {}) {
        extra.insert(extra.begin(), {"--udp-listen", "127.0.0.1:0:dns"});
        server = std::make_unique<tunely_server_process>(extra);
        port = server->listener_port("UDP", "dns");
        auto token = server->create_tunnel("dns");
        ws = std::make_unique<ws_test_client>(server->port(), "/ws/tunnel");
        ws->send_text(R"({"type":"auth","token":")" + token +
                      R"(","client_version":"0.12.0","force":false,"capabilities":["binary_frames","chunked_http","udp"]})");
        auto ok = json::parse(ws->read().data).as_object();
        ASSERT_EQ(ok.at("type").as_string(), "auth_ok");
        EXPECT_EQ(json::serialize(ok.at("capabilities")), R"(["binary_frames","udp"])");
    }
    // Next message other than a ping.
    ws_test_client::message next(std::chrono::milliseconds timeout = 5s) {
        for (;;) {
            auto m = ws->read(timeout);
            if (m.closed || !m.text) return m;
            if (json::parse(m.data).at("type").as_string() == "ping") continue;
            return m;
        }
    }
    std::string expect_open() {
        auto m = next();
        EXPECT_TRUE(m.text && !m.closed) << m.close_reason;
        auto v = json::parse(m.data).as_object();
        EXPECT_EQ(v.at("type").as_string(), "udp_open") << m.data;
        return std::string(v.at("session_id").as_string());
    }
    v1::binary_data expect_datagram() {
        auto m = next();
        EXPECT_FALSE(m.text) << m.data;
        auto d = v1::decode_binary(m.data);
        if (!d) throw std::runtime_error("not a binary data message");
        EXPECT_EQ(d->kind, v1::binary_kind::udp_data);
        return *d;
    }

    std::unique_ptr<tunely_server_process> server;
    std::unique_ptr<ws_test_client> ws;
    std::uint16_t port = 0;
};

TEST_F(udp_v1_server, datagrams_both_ways_one_session_per_peer) {
    start();
    udp_caller a(port), b(port);
    a.send("query-a");
    auto sa = expect_open();
    auto d = expect_datagram();
    EXPECT_EQ(d.id, sa);
    EXPECT_EQ(d.payload, "query-a");
    ws->send_binary(v1::encode_binary(v1::binary_kind::udp_data, sa, "answer-a"));
    EXPECT_EQ(a.receive(), "answer-a");

    a.send("again-a");  // same peer: same session, no new udp_open
    auto d2 = expect_datagram();
    EXPECT_EQ(d2.id, sa);
    EXPECT_EQ(d2.payload, "again-a");

    b.send("");  // another peer (a zero-length datagram): a session of its own
    auto sb = expect_open();
    EXPECT_NE(sb, sa);
    auto d3 = expect_datagram();
    EXPECT_EQ(d3.id, sb);
    EXPECT_EQ(d3.payload, "");
    ws->send_binary(v1::encode_binary(v1::binary_kind::udp_data, sb, "to-b"));
    EXPECT_EQ(b.receive(), "to-b");
    EXPECT_EQ(a.receive(300ms), std::nullopt) << "b's answer must not reach a";
}

TEST_F(udp_v1_server, client_udp_close_ends_the_session) {
    start();
    udp_caller a(port);
    a.send("1");
    auto s1 = expect_open();
    expect_datagram();
    ws->send_text(json::serialize(json::object{{"type", "udp_close"}, {"session_id", s1}, {"reason", "socket error: x"}}));
    // The next datagram of that peer opens a new session (a read with a timeout would end the test
    // client's WebSocket, so: give the server a moment, then one datagram).
    std::this_thread::sleep_for(300ms);
    a.send("2");
    auto s2 = expect_open();
    EXPECT_NE(s2, s1);
    EXPECT_EQ(expect_datagram().payload, "2");
}

TEST_F(udp_v1_server, idle_sessions_time_out_with_udp_close) {
    start({"--udp-session-timeout", "1"});
    udp_caller a(port);
    a.send("x");
    auto s = expect_open();
    expect_datagram();
    auto m = next(5s);
    ASSERT_TRUE(m.text && !m.closed);
    auto v = json::parse(m.data).as_object();
    EXPECT_EQ(v.at("type").as_string(), "udp_close");
    EXPECT_EQ(v.at("session_id").as_string(), s);
    EXPECT_EQ(v.at("reason").as_string(), "idle timeout");
}

TEST_F(udp_v1_server, sessions_beyond_the_limit_are_dropped) {
    start({"--udp-max-sessions", "1"});
    udp_caller a(port), b(port);
    a.send("a");
    expect_open();
    expect_datagram();
    b.send("b");  // a second peer: over the limit, dropped
    a.send("a2");
    auto d = expect_datagram();  // the next message is a's datagram, no udp_open for b
    EXPECT_EQ(d.payload, "a2");
}

// --- our client, both protocols, to a real UDP echo target ---
class udp_tunnel : public ::testing::TestWithParam<int> {
protected:
    void start(std::vector<std::string> extra = {}) {
        extra.insert(extra.begin(), {"--udp-listen", "127.0.0.1:0:dns"});
        server = std::make_unique<tunely_server_process>(extra);
        port = server->listener_port("UDP", "dns");
        auto token = server->create_tunnel("dns");
        std::vector<std::string> args{"--udp-target", target.address()};
        if (GetParam() == 1) args.push_back("--no-protocol-2");
        client = start_client(*server, token, "http://127.0.0.1:9", args);
        ASSERT_TRUE(server->wait_connected("dns"));
    }
    udp_peers::echo_target target;
    std::unique_ptr<tunely_server_process> server;
    std::unique_ptr<child_process> client;
    std::uint16_t port = 0;
};

TEST_P(udp_tunnel, a_thousand_datagrams_echoed) {
    start();
    udp_caller c(port);
    // Lock-step, so that none is lost to a full socket buffer: UDP may drop, the tunnel should not.
    int answered = 0;
    for (int i = 0; i < 1000; ++i) {
        auto payload = "datagram " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 1200), 'x');
        c.send(payload);
        auto back = c.receive(2s);
        if (back == payload) ++answered;
    }
    EXPECT_EQ(answered, 1000);
}

TEST_P(udp_tunnel, each_peer_has_its_own_target_socket) {
    start();
    udp_caller a(port), b(port);
    a.send("from a");
    EXPECT_EQ(a.receive(), "from a");
    b.send("from b");
    EXPECT_EQ(b.receive(), "from b");
    EXPECT_EQ(target.sources().size(), 2u) << "two UDP sessions, two client sockets";
    // The admin API and the metrics count them.
    auto live = json::parse(server->admin("GET", "/api/tunnels/dns").body).at("live");
    EXPECT_EQ(live.at("udp_sessions").to_number<int>(), 2);
    auto metrics = server->admin("GET", "/metrics").body;
    EXPECT_NE(metrics.find(R"(tunely_udp_sessions_active{domain="dns"} 2)"), std::string::npos) << metrics;
    // Both datagrams went in and came back out.
    const std::vector<std::string> expected{
        R"(tunely_udp_datagrams_total{direction="in"} 2)", R"(tunely_udp_datagrams_total{direction="out"} 2)",
        R"(tunely_udp_bytes_total{direction="in"} 12)", R"(tunely_udp_bytes_total{direction="out"} 12)"};
    metrics = server->wait_metrics(expected);
    for (const auto& e : expected) EXPECT_NE(metrics.find(e + "\n"), std::string::npos) << e << "\n" << metrics;
}

TEST_P(udp_tunnel, session_timeout_closes_the_client_socket) {
    start({"--udp-session-timeout", "1"});
    udp_caller a(port);
    a.send("hello");
    ASSERT_EQ(a.receive(), "hello");
    auto sources = target.sources();
    ASSERT_EQ(sources.size(), 1u);
    EXPECT_TRUE(udp_peers::wait_port(sources[0], false, 5s)) << "the client's socket outlived the session";
    a.send("later");  // a new session
    EXPECT_EQ(a.receive(), "later");
}

INSTANTIATE_TEST_SUITE_P(protocols, udp_tunnel, ::testing::Values(2, 1),
                         [](const auto& info) { return info.param == 2 ? "protocol_2" : "protocol_1_1"; });

}  // namespace
}  // namespace tunely::test
