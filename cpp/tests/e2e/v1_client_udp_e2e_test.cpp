// UDP sessions of an original 0.12 server (shared/compat/tunely-0.12.md §1, §3) through our `tunely connect`
// speaking 1.1: a hand-made server writes the original's frames (udp_open/udp_close as JSON text, datagrams
// as binary udp_data messages: 0x02 0x03 + the session's 16 UUID bytes + payload) and a UDP echo target on
// loopback answers. Also the binary form of tcp_data, which the TCP relay takes once binary_frames is
// negotiated.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <variant>

#include "test_target.hpp"
#include "tunely/client/tunnel_client.hpp"
#include "tunely/core/base64.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v1_binary.hpp"
#include "tunely_stack.hpp"
#include "udp_peers.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace v1 = protocol::v1;
using namespace std::chrono_literals;
using udp_peers::echo_target;

// A message from the client: JSON text, or a binary message.
using client_message = std::variant<json::object, std::string>;

// A protocol 1.1 server on 127.0.0.1:<ephemeral> for one `tunely connect`, driven from the test's thread.
class fake_original_server {
public:
    fake_original_server() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}), ws_(ioc_) {}

    std::string ws_url() const {
        return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/ws/tunnel";
    }

    // Accepts the client and answers its `auth` with `auth_ok`; returns the auth message.
    json::object accept(const std::string& auth_ok) {
        run([&](auto done) { acceptor_.async_accept(beast::get_lowest_layer(ws_).socket(), done); });
        run([&](auto done) { ws_.async_accept(done); });
        auto first = next();
        auto* auth = std::get_if<json::object>(&first);
        if (!auth || auth->at("type").as_string() != "auth") throw std::runtime_error("fake server: no auth");
        ws_.text(true);
        run([&](auto done) { ws_.async_write(asio::buffer(auth_ok), done); });
        return *auth;
    }

    void send(const json::object& frame) {
        auto text = json::serialize(frame);
        ws_.text(true);
        run([&](auto done) { ws_.async_write(asio::buffer(text), done); });
    }
    void send_binary(const std::string& bytes) {
        ws_.binary(true);
        run([&](auto done) { ws_.async_write(asio::buffer(bytes), done); });
    }
    void udp_open(const std::string& id) { send({{"type", "udp_open"}, {"session_id", id}, {"timestamp", ""}}); }
    void udp_close(const std::string& id, const std::string& reason) {
        send({{"type", "udp_close"}, {"session_id", id}, {"reason", reason}, {"timestamp", ""}});
    }
    void udp_data(const std::string& id, std::string_view payload) {
        send_binary(v1::encode_binary(v1::binary_kind::udp_data, id, payload));
    }

    // The client's next message, its JSON pings skipped.
    client_message next() {
        for (;;) {
            beast::flat_buffer buffer;
            run([&](auto done) { ws_.async_read(buffer, done); });
            auto bytes = beast::buffers_to_string(buffer.data());
            if (!ws_.got_text()) return bytes;
            auto m = json::parse(bytes).as_object();
            if (m.at("type").as_string() != "ping") return m;
        }
    }
    // The next message, which must be a binary udp_data.
    v1::binary_data next_udp() {
        auto m = next();
        auto* bytes = std::get_if<std::string>(&m);
        if (!bytes) throw std::runtime_error("fake server: expected udp_data, got " +
                                             json::serialize(std::get<json::object>(m)));
        auto d = v1::decode_binary(*bytes);
        if (!d || d->kind != v1::binary_kind::udp_data) throw std::runtime_error("fake server: not a udp_data");
        return *d;
    }
    // The next message, which must be JSON text.
    json::object next_json() {
        auto m = next();
        auto* o = std::get_if<json::object>(&m);
        if (!o) throw std::runtime_error("fake server: expected JSON, got a binary message");
        return *o;
    }
    // Nothing else came before the answer to a ping of ours (the client's frames are in order).
    json::object next_json_after_ping() {
        send({{"type", "ping"}, {"timestamp", "probe"}});
        return next_json();
    }

    void close() {
        run([&](auto done) { ws_.async_close(beast::websocket::close_code::going_away, done); });
    }

private:
    template <class Start>
    void run(Start start) {
        boost::system::error_code result;
        bool finished = false;
        start([&](boost::system::error_code ec, auto&&...) {
            result = ec;
            finished = true;
        });
        ioc_.restart();
        ioc_.run_for(std::chrono::seconds(15));
        if (!finished) {
            beast::get_lowest_layer(ws_).close();
            ioc_.restart();
            ioc_.run_for(std::chrono::seconds(1));
            throw std::runtime_error("fake server: timed out");
        }
        if (result) throw std::runtime_error("fake server: " + result.message());
    }

    asio::io_context ioc_;
    asio::ip::tcp::acceptor acceptor_;
    beast::websocket::stream<beast::tcp_stream> ws_;
};

// The auth_ok of tunely 0.12 for a client offering binary_frames and udp (sorted intersection).
constexpr const char* original_auth_ok =
    R"({"type":"auth_ok","domain":"orig","tunnel_id":"7","server_version":"","capabilities":["binary_frames","udp"],"timestamp":""})";

std::unique_ptr<child_process> connect_to(const fake_original_server& server, const std::string& target_url,
                                          std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"connect", "--server", server.ws_url(), "--token", "tun_" + std::string(43, 'A'),
                                  "--target", target_url, "--reconnect", "0.2", "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<child_process>(tunely_binary(), args);
}

std::string url_of(const echo_target& target) { return "http://" + target.address(); }

bool has(const json::object& auth, std::string_view name) {
    if (!auth.contains("capabilities")) return false;
    const auto& caps = auth.at("capabilities").as_array();
    return std::any_of(caps.begin(), caps.end(), [&](const json::value& c) { return c.as_string() == name; });
}

constexpr const char* session_a = "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10";
constexpr const char* session_b = "5c1d7a00-1111-4222-8333-444455556666";

std::string session_id(int i) {
    char text[37];
    std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", i);
    return text;
}

std::string datagram_of(std::size_t i) {
    std::size_t size = (i * 53) % 1300;
    if (i % 50 == 25) size = 30'000;
    if (i == 1) size = 0;
    if (i == 199) size = 65'507;
    std::string out;
    for (std::size_t k = 0; out.size() < size; ++k) out.push_back(static_cast<char>((i * 29 + k * 13) & 0xff));
    if (size > 0) out.replace(0, std::min(size, std::to_string(i).size()), std::to_string(i).substr(0, size));
    return out;
}

// ------------------------------------------------------------------ tests

TEST(v1_client_udp, auth_offers_udp_and_binary_frames_and_datagrams_are_echoed_with_their_boundaries) {
    echo_target target;
    fake_original_server server;
    auto client = connect_to(server, url_of(target));  // the UDP target: the target URL's host and port
    json::object auth;
    ASSERT_NO_THROW(auth = server.accept(original_auth_ok));
    EXPECT_TRUE(has(auth, "udp")) << json::serialize(auth);
    EXPECT_TRUE(has(auth, "binary_frames")) << json::serialize(auth);
    EXPECT_TRUE(has(auth, protocol::capability_v1_tcp)) << json::serialize(auth);

    // As the original does: udp_open and the first datagram back to back, before the client has its socket.
    server.udp_open(session_a);
    std::vector<std::string> sent{datagram_of(0)};
    server.udp_data(session_a, sent.back());
    constexpr std::size_t total = 200, batch = 8;
    std::size_t got = 0;
    auto expect_echo = [&] {
        auto d = server.next_udp();
        EXPECT_EQ(d.id, session_a);
        ASSERT_LT(got, sent.size());
        EXPECT_TRUE(d.payload == sent[got]) << "datagram " << got << ": " << d.payload.size() << " bytes back, "
                                            << sent[got].size() << " sent";
        ++got;
    };
    ASSERT_NO_THROW(expect_echo()) << client->output();
    while (sent.size() < total) {
        for (std::size_t k = 0; k < batch && sent.size() < total; ++k) {
            sent.push_back(datagram_of(sent.size()));
            server.udp_data(session_a, sent.back());
        }
        while (got < sent.size()) ASSERT_NO_THROW(expect_echo());
    }
    auto seen = target.received();
    ASSERT_EQ(seen.size(), total);
    for (std::size_t i = 0; i < total; ++i) EXPECT_TRUE(seen[i].bytes == sent[i]) << "target got datagram " << i;
    EXPECT_EQ(seen[1].bytes.size(), 0u) << "a zero-length datagram";
    EXPECT_EQ(target.sources().size(), 1u);
}

TEST(v1_client_udp, udp_close_from_the_server_ends_the_session_silently) {
    echo_target target;
    fake_original_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    server.udp_open(session_a);
    server.udp_data(session_a, "one");
    ASSERT_EQ(server.next_udp().payload, "one");
    const auto port = target.received().front().source_port;
    EXPECT_TRUE(udp_peers::port_in_use(port));
    server.udp_close(session_a, "idle timeout");
    EXPECT_TRUE(udp_peers::wait_port(port, false, 2s)) << "the session's socket is closed";
    auto answer = server.next_json_after_ping();
    EXPECT_EQ(answer.at("type").as_string(), "pong") << "no reply to udp_close: " << json::serialize(answer);
    server.udp_data(session_a, "after the end");  // for a session that is gone: dropped
    EXPECT_FALSE(target.wait_count(2, 300ms));
    // The same id may start a new session.
    server.udp_open(session_a);
    server.udp_data(session_a, "two");
    ASSERT_EQ(server.next_udp().payload, "two");
    EXPECT_TRUE(udp_peers::port_in_use(target.received().back().source_port)) << "a new session, a new socket";
}

TEST(v1_client_udp, sessions_are_separate_and_a_repeated_udp_open_is_ignored) {
    echo_target target;
    fake_original_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    server.udp_open(session_a);
    server.udp_open(session_b);
    server.udp_data(session_a, "a1");
    auto d = server.next_udp();
    EXPECT_EQ(d.id, session_a);
    EXPECT_EQ(d.payload, "a1");
    server.udp_open(session_a);  // a live session: ignored, the same socket goes on
    server.udp_data(session_a, "a2");
    d = server.next_udp();
    EXPECT_EQ(d.id, session_a);
    EXPECT_EQ(d.payload, "a2");
    server.udp_data(session_b, "b1");
    d = server.next_udp();
    EXPECT_EQ(d.id, session_b);
    EXPECT_EQ(d.payload, "b1");
    auto seen = target.received();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].source_port, seen[1].source_port) << "the repeated udp_open made no second socket";
    EXPECT_NE(seen[0].source_port, seen[2].source_port) << "one socket per session";
    EXPECT_EQ(server.next_json_after_ping().at("type").as_string(), "pong");
}

TEST(v1_client_udp, udp_is_ignored_unless_both_capabilities_were_echoed) {
    for (const std::string caps : {"[]", R"(["udp"])", R"(["binary_frames"])"}) {
        echo_target target;
        fake_original_server server;
        auto client = connect_to(server, url_of(target));
        ASSERT_NO_THROW(server.accept(R"({"type":"auth_ok","domain":"orig","tunnel_id":"7","server_version":"","capabilities":)" +
                                      caps + "}"));
        server.udp_open(session_a);
        server.udp_data(session_a, "hello?");
        auto answer = server.next_json_after_ping();
        EXPECT_EQ(answer.at("type").as_string(), "pong") << caps << ": " << json::serialize(answer);
        EXPECT_FALSE(target.wait_count(1, 300ms)) << caps << ": nothing may reach the target";
    }
}

TEST(v1_client_udp, a_socket_that_cannot_be_made_is_udp_close_target_socket_failed) {
    echo_target target;
    fake_original_server server;
    auto client = connect_to(server, url_of(target), {"--udp-target", "no-such-host.invalid:5353"});
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    server.udp_open(session_a);
    json::object m;
    ASSERT_NO_THROW(m = server.next_json());
    EXPECT_EQ(m.at("type").as_string(), "udp_close") << json::serialize(m);
    EXPECT_EQ(m.at("session_id").as_string(), session_a);
    EXPECT_EQ(m.at("reason").as_string(), "target socket failed");
}

TEST(v1_client_udp, sessions_per_client_session_are_capped) {
    echo_target target;
    fake_original_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    constexpr int cap = static_cast<int>(client::max_udp_sessions), opened = cap + 4;
    for (int i = 0; i < opened; ++i) server.udp_open(session_id(i));
    for (int i = cap; i < opened; ++i) {
        json::object m;
        ASSERT_NO_THROW(m = server.next_json());
        ASSERT_EQ(m.at("type").as_string(), "udp_close") << json::serialize(m);
        EXPECT_EQ(m.at("session_id").as_string(), session_id(i));
        EXPECT_NE(std::string(m.at("reason").as_string()).find("Too many"), std::string::npos);
    }
    server.udp_close(session_id(0), "idle timeout");  // one slot frees
    server.udp_open("ffffffff-0000-4000-8000-000000000000");
    server.udp_data("ffffffff-0000-4000-8000-000000000000", "made it");
    auto d = server.next_udp();
    EXPECT_EQ(d.payload, "made it");
}

TEST(v1_client_udp, losing_the_websocket_drops_every_session) {
    echo_target target;
    fake_original_server server;
    auto client = connect_to(server, url_of(target));
    ASSERT_NO_THROW(server.accept(original_auth_ok));
    for (const char* id : {session_a, session_b}) {
        server.udp_open(id);
        server.udp_data(id, id);
        EXPECT_EQ(server.next_udp().payload, id);
    }
    auto ports = target.sources();
    ASSERT_EQ(ports.size(), 2u);
    for (auto p : ports) EXPECT_TRUE(udp_peers::port_in_use(p));
    server.close();
    for (auto p : ports) EXPECT_TRUE(udp_peers::wait_port(p, false, 5s)) << "port " << p;
}

TEST(v1_client_udp, binary_tcp_data_is_taken_by_the_tcp_relay_and_our_server_gets_exact_bodies) {
    // Our server's auth_ok on a 1.1 session: it echoes tunely/tcp, so request bodies are exact text (no JSON
    // decoding), and it sends tcp_data in the binary form since binary_frames was negotiated.
    test_target http;
    echo_target udp;
    fake_original_server server;
    auto client = connect_to(server, http.url(), {"--udp-target", udp.address()});
    ASSERT_NO_THROW(server.accept(
        R"({"type":"auth_ok","domain":"ours","tunnel_id":"7","server_version":"1.0.0","capabilities":["binary_frames","tunely/tcp","udp"]})"));
    const std::string conn = "7a3c9e10-2b4d-4f6a-8c1e-0d2f4b6a8c0e";
    server.send({{"type", "tcp_connect"}, {"conn_id", conn}});
    server.send_binary(v1::encode_binary(v1::binary_kind::tcp_data, conn, "GET /echo HTTP/1.1\r\nHost: x\r\n"));
    server.send({{"type", "tcp_data"}, {"conn_id", conn}, {"data", base64_encode("Connection: close\r\n\r\n")},
                 {"sequence", 1}});  // JSON still taken beside binary
    std::string reply;
    bool closed = false;
    while (!closed) {
        json::object m;
        ASSERT_NO_THROW(m = server.next_json()) << "our client sends tcp_data as JSON";
        if (m.at("type").as_string() == "tcp_data") {
            reply += base64_decode(std::string(m.at("data").as_string())).value_or("");
        } else if (m.at("type").as_string() == "tcp_close") {
            closed = true;
            EXPECT_TRUE(m.at("error").is_null()) << json::serialize(m);
        }
    }
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
    EXPECT_NE(reply.find("/echo"), std::string::npos) << reply;

    // HTTP beside it: the body arrives as the exact text (our server is not an original one).
    server.send({{"type", "request"}, {"id", "r1"}, {"method", "POST"}, {"path", "/echo-body"},
                 {"headers", json::object{{"content-type", "text/plain"}}}, {"body", R"("quoted")"}, {"timeout", 10.0}});
    json::object r;
    ASSERT_NO_THROW(r = server.next_json());
    ASSERT_EQ(r.at("type").as_string(), "response") << json::serialize(r);
    EXPECT_EQ(r.at("body").as_string(), R"("quoted")");

    // And UDP on the same session.
    server.udp_open(session_a);
    server.udp_data(session_a, "ours too");
    EXPECT_EQ(server.next_udp().payload, "ours too");
}

}  // namespace
}  // namespace tunely::test
