// Raw UDP streams (spec/PROTOCOL.md §2.15, capability tunely/2+udp): our `tunely connect` against a
// hand-made protocol-2 server (tests/support/fake_v2_server.hpp: it sends a datagram only when the client's
// credit covers all of it and flags every frame the client sends against the rules), and a UDP echo target
// on loopback. One DATA frame is one datagram both ways.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "tunely/client/tunnel_client.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "fake_v2_server.hpp"
#include "tunely_stack.hpp"
#include "udp_peers.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace v2 = protocol::v2;
using namespace std::chrono_literals;
using udp_peers::echo_target;

// ------------------------------------------------------------------ helpers (the fake server: fake_v2_server.hpp)

// A UDP stream opened as our server opens one: the external peer and the listener port named, a 10 s
// connect limit; `then`: frames right behind the OPEN.
v2::stream_id open_udp(fake_v2_server& server, std::vector<std::string> then = {}) {
    static int peer = 50000;
    header_list headers;
    headers.add("tunely-peer", "203.0.113.7:" + std::to_string(++peer));
    headers.add("tunely-listener", "5353");
    return server.open_raw(v2::method_udp, std::move(headers), 10'000, std::move(then));
}

// The target URL whose host and port are the UDP echo target's (no --udp-target: derived from it).
std::string url_of(const echo_target& target) { return "http://" + target.address(); }

// Datagram `i` of a run: its number first, then bytes of a size that varies (a few large ones too).
std::string datagram_of(std::size_t i) {
    std::size_t size = (i * 37) % 1400;
    if (i % 100 == 50) size = 60'000;
    if (i == 999) size = 65'507;  // the largest UDP payload
    std::string out = "#" + std::to_string(i) + ":";
    for (std::size_t k = 0; out.size() < size; ++k) out.push_back(static_cast<char>((i * 131 + k * 7) & 0xff));
    return out;
}

// ------------------------------------------------------------------ tests

TEST(v2_client_udp, offers_the_capability_and_echoes_a_thousand_datagrams_with_their_boundaries) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));  // no --udp-target: the target URL's host and port
    json::object auth;
    ASSERT_NO_THROW(auth = server.accept({protocol::capability_tcp, protocol::capability_udp}));
    EXPECT_TRUE(has_capability(auth, protocol::capability_v2)) << json::serialize(auth);
    EXPECT_TRUE(has_capability(auth, protocol::capability_udp)) << json::serialize(auth);

    const auto id = open_udp(server);
    auto head = server.wait(id, answered);
    ASSERT_EQ(head.status, 200u) << (head.reset ? head.reset->message : "no answer") << client->output();
    EXPECT_FALSE(head.response_end_stream);
    EXPECT_FALSE(head.response_body);
    EXPECT_TRUE(head.response_headers.empty());

    constexpr std::size_t total = 1000, in_flight = 16;  // paced: loopback UDP drops nothing at this rate
    std::vector<std::string> sent;
    for (std::size_t i = 0; i < total; ++i) {
        if (i >= in_flight) {
            auto s = server.wait_datagrams(id, i - in_flight + 1);
            ASSERT_GE(s.datagrams.size(), i - in_flight + 1) << "echo " << i - in_flight << " missing";
        }
        sent.push_back(datagram_of(i));
        ASSERT_TRUE(server.send_datagram(id, sent.back()));
    }
    auto s = server.wait_datagrams(id, total);
    ASSERT_EQ(s.datagrams.size(), total);
    for (std::size_t i = 0; i < total; ++i)
        ASSERT_TRUE(s.datagrams[i] == sent[i]) << "datagram " << i << ": " << s.datagrams[i].size() << " bytes back, "
                                               << sent[i].size() << " sent";
    auto seen = target.received();
    ASSERT_EQ(seen.size(), total);
    for (std::size_t i = 0; i < total; ++i) ASSERT_TRUE(seen[i].bytes == sent[i]) << "target got datagram " << i;
    EXPECT_EQ(target.sources().size(), 1u) << "one stream, one socket";
    EXPECT_FALSE(s.reset.has_value());
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_udp, zero_length_datagrams_and_datagrams_before_the_response_travel) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    // Right behind the OPEN, before the client can have its socket: held, then sent in order.
    const auto id = open_udp(server, {v2::encode_data(1, "first", false), v2::encode_data(1, "", false),
                                                     v2::encode_data(1, "third", false)});
    ASSERT_EQ(id, 1u);
    ASSERT_TRUE(target.wait_count(3, 10s)) << client->output();
    auto seen = target.received();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].bytes, "first");
    EXPECT_EQ(seen[1].bytes, "") << "a zero-length DATA is a zero-length datagram";
    EXPECT_EQ(seen[2].bytes, "third");
    auto s = server.wait_datagrams(id, 3);
    EXPECT_EQ(s.status, 200u);
    ASSERT_EQ(s.datagrams.size(), 3u);
    EXPECT_EQ(s.datagrams[0], "first");
    EXPECT_EQ(s.datagrams[1], "") << "a zero-length datagram from the target is a zero-length DATA";
    EXPECT_EQ(s.datagrams[2], "third");
    // And once the session runs.
    ASSERT_TRUE(server.send_datagram(id, ""));
    s = server.wait_datagrams(id, 4);
    ASSERT_EQ(s.datagrams.size(), 4u);
    EXPECT_EQ(s.datagrams[3], "");
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_udp, two_streams_are_two_target_sockets) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    const auto a = open_udp(server);
    const auto b = open_udp(server);
    ASSERT_EQ(server.wait(a, answered).status, 200u);
    ASSERT_EQ(server.wait(b, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(a, "to a"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    ASSERT_TRUE(server.send_datagram(b, "to b"));
    ASSERT_TRUE(target.wait_count(2, 10s));
    auto seen = target.received();
    EXPECT_NE(seen[0].source_port, seen[1].source_port) << "each stream has a socket of its own";
    EXPECT_EQ(server.wait_datagrams(a, 1).datagrams, std::vector<std::string>{"to a"});
    EXPECT_EQ(server.wait_datagrams(b, 1).datagrams, std::vector<std::string>{"to b"});
    // Each socket hears only its own session: the target answering b's port reaches b alone.
    ASSERT_TRUE(target.send_to(seen[1].source_port, "only b"));
    auto sb = server.wait_datagrams(b, 2);
    ASSERT_EQ(sb.datagrams.size(), 2u);
    EXPECT_EQ(sb.datagrams[1], "only b");
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(server.state(a).datagrams.size(), 1u);
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_udp, server_reset_closes_the_socket) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    const auto id = open_udp(server);
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(id, "hello"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    const auto port = target.received().front().source_port;
    EXPECT_TRUE(udp_peers::port_in_use(port)) << "the session's socket is open";
    server.reset(id, v2::reset_code::cancel, "idle timeout");
    EXPECT_TRUE(udp_peers::wait_port(port, false, 2s)) << "the RESET closes the session's socket";
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(server.state(id).reset.has_value()) << "no RESET in answer to a RESET";
    // Reported once it ended: method UDP, the external peer, 200.
    EXPECT_TRUE(client->wait_for(R"(UDP 203\.0\.113\.7:50001 200 \d+ ms)", 5s)) << client->output();
    // The session goes on: a new stream gets a new socket.
    const auto again = open_udp(server);
    ASSERT_EQ(server.wait(again, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(again, "again"));
    EXPECT_EQ(server.wait_datagrams(again, 1).datagrams, std::vector<std::string>{"again"});
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_udp, end_stream_from_the_server_ends_the_session) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    const auto id = open_udp(server);
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    ASSERT_TRUE(server.send_datagram(id, "x"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    const auto port = target.received().front().source_port;
    ASSERT_TRUE(server.send_datagram(id, "last", true));  // not used on UDP streams: taken as the end
    auto s = server.wait_reset(id);
    ASSERT_TRUE(s.reset.has_value());
    EXPECT_EQ(s.reset->code, v2::reset_code::cancel) << s.reset->message;
    EXPECT_TRUE(udp_peers::wait_port(port, false, 2s));
    EXPECT_TRUE(target.wait_count(2, 2s)) << "the datagram that came with END_STREAM still went";
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_udp, udp_is_refused_unless_the_server_echoed_the_capability) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = open_udp(server, {v2::encode_data(1, "never", false)});
    auto s = server.wait_reset(id);
    ASSERT_TRUE(s.reset.has_value());
    EXPECT_EQ(s.reset->code, v2::reset_code::refused);
    EXPECT_NE(s.reset->message.find("not supported"), std::string::npos) << s.reset->message;
    EXPECT_FALSE(s.status.has_value());
    EXPECT_FALSE(target.wait_count(1, 300ms)) << "a refused stream sends nowhere";
}

TEST(v2_client_udp, datagrams_beyond_the_credit_are_dropped_not_waited_for) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    server.auto_window(false);  // no credit back: the client may send one window, then must drop
    const auto id = open_udp(server);
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    target.echo(false);
    ASSERT_TRUE(server.send_datagram(id, "where are you"));
    ASSERT_TRUE(target.wait_count(1, 10s));
    const auto port = target.received().front().source_port;
    const std::string datagram(1000, 'u');
    for (int i = 0; i < 400; ++i) {  // 400 000 bytes against 262 144 of credit
        target.send_to(port, datagram);
        if (i % 8 == 7) std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(500ms);
    auto before = server.state(id);
    EXPECT_GT(before.datagrams.size(), 0u);
    EXPECT_LE(before.datagram_bytes(), protocol::v2_initial_window);
    EXPECT_LE(before.datagrams.size(), protocol::v2_initial_window / datagram.size());
    EXPECT_EQ(server.first_violation(), "") << "never beyond the credit";
    // Credit back: only what the target sends from now on arrives; the dropped ones were not kept.
    server.auto_window(true);
    std::this_thread::sleep_for(200ms);
    target.send_to(port, "fresh");
    auto after = server.wait_datagrams(id, before.datagrams.size() + 1);
    ASSERT_EQ(after.datagrams.size(), before.datagrams.size() + 1);
    EXPECT_EQ(after.datagrams.back(), "fresh");
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(server.state(id).datagrams.size(), before.datagrams.size() + 1) << "nothing held back came later";
    EXPECT_FALSE(server.state(id).reset.has_value());
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_udp, sessions_per_client_session_are_capped) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    constexpr std::size_t cap = client::max_udp_sessions, extra = 3;
    std::vector<v2::stream_id> ids;
    for (std::size_t i = 0; i < cap + extra; ++i) ids.push_back(open_udp(server));
    std::size_t refused = 0, ok = 0;
    for (auto id : ids) {
        auto s = server.wait(id, answered, 30s);
        if (s.reset) {
            EXPECT_EQ(s.reset->code, v2::reset_code::refused);
            EXPECT_NE(s.reset->message.find("Too many"), std::string::npos) << s.reset->message;
            ++refused;
        } else if (s.status == 200u) {
            ++ok;
        }
    }
    EXPECT_EQ(ok, cap);
    EXPECT_EQ(refused, extra);
    server.reset(ids.front(), v2::reset_code::cancel, "idle timeout");  // one slot frees
    const auto again = open_udp(server);
    EXPECT_EQ(server.wait(again, answered, 30s).status, 200u);
}

TEST(v2_client_udp, udp_target_overrides_the_target_url) {
    echo_target decoy, target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(decoy), {"--udp-target", target.address()});
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    const auto id = open_udp(server);
    ASSERT_EQ(server.wait(id, answered).status, 200u) << client->output();
    ASSERT_TRUE(server.send_datagram(id, "where to?"));
    EXPECT_TRUE(target.wait_count(1, 10s));
    EXPECT_EQ(server.wait_datagrams(id, 1).datagrams, std::vector<std::string>{"where to?"});
    EXPECT_EQ(decoy.count(), 0u) << "UDP goes to --udp-target, not the target URL";
}

TEST(v2_client_udp, unresolvable_udp_target_is_reset_target_unavailable) {
    echo_target target;
    fake_v2_server server;
    auto client = connect_to(server, url_of(target), {"--udp-target", "no-such-host.invalid:5353"});
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp, protocol::capability_udp}));
    const auto id = open_udp(server);
    auto s = server.wait_reset(id, 30s);
    ASSERT_TRUE(s.reset.has_value()) << client->output();
    EXPECT_EQ(s.reset->code, v2::reset_code::target_unavailable);
    EXPECT_TRUE(s.reset->message.starts_with("Target service unavailable: ")) << s.reset->message;
    EXPECT_FALSE(s.status.has_value());
}

TEST(v2_client_udp, bad_udp_target_is_refused_at_startup) {
    for (const std::string bad : {"no-port", "::1:53", "host:0", "host:65536", "[::1]53"}) {
        child_process c(tunely_binary(), {"connect", "--server", "ws://127.0.0.1:1/ws/tunnel", "--token",
                                          "tun_" + std::string(43, 'A'), "--udp-target", bad});
        EXPECT_EQ(c.wait_exit(10s), 2) << bad << ": " << c.output();
        EXPECT_NE(c.output().find("--udp-target"), std::string::npos) << c.output();
    }
}

}  // namespace
}  // namespace tunely::test
