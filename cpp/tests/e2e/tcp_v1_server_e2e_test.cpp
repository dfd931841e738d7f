// The server's TCP listeners driving an original 0.12 client (1.1 wire, tunely-0.12.md §2): a hand-made
// client of raw frames against the real server, as the original Python client speaks.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tcp_peers.hpp"
#include "tunely/core/base64.hpp"
#include "tunely/protocol/v1_binary.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace v1 = protocol::v1;

class v1_tcp_server : public ::testing::Test {
protected:
    // The original client's auth (0.12 offers these three).
    void connect(const std::string& capabilities = R"(["binary_frames","chunked_http","udp"])") {
        token = server.create_tunnel("db");
        port = server.listener_port("TCP", "db");
        ws = std::make_unique<ws_test_client>(server.port(), "/ws/tunnel");
        ws->send_text(R"({"type":"auth","token":")" + token + R"(","client_version":"0.12.0","force":false,)" +
                      R"("capabilities":)" + capabilities + "}");
        auto ok = json::parse(ws->read().data).as_object();
        ASSERT_EQ(ok.at("type").as_string(), "auth_ok");
        auth_ok = ok;
    }

    // Next message other than a ping (answered).
    ws_test_client::message next(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        for (;;) {
            auto m = ws->read(timeout);
            if (m.closed || !m.text) return m;
            auto v = json::parse(m.data).as_object();
            if (v.at("type").as_string() == "ping") continue;
            return m;
        }
    }

    json::object next_json(const char* type) {
        auto m = next();
        if (m.closed) throw std::runtime_error("closed");
        if (!m.text) throw std::runtime_error("binary message where " + std::string(type) + " was expected");
        auto v = json::parse(m.data).as_object();
        EXPECT_EQ(v.at("type").as_string(), type) << m.data;
        return v;
    }

    tunely_server_process server{{"--tcp-listen", "127.0.0.1:0:db", "--v1-stream-buffer", "1048576"}};
    std::string token;
    std::uint16_t port = 0;
    std::unique_ptr<ws_test_client> ws;
    json::object auth_ok;
};

TEST_F(v1_tcp_server, binary_frames_negotiated_as_the_original) {
    connect();
    ASSERT_TRUE(auth_ok.contains("capabilities"));
    // Only what both sides know, sorted as the original sorts them (chunked_http is gone since 0.11).
    EXPECT_EQ(json::serialize(auth_ok.at("capabilities")), R"(["binary_frames","udp"])");
}

TEST_F(v1_tcp_server, bytes_both_ways_in_binary_and_json_forms) {
    connect();
    tcp_caller caller(port);
    auto open = next_json("tcp_connect");
    std::string id(open.at("conn_id").as_string());
    EXPECT_EQ(id.size(), 36u);

    caller.write("hello target");
    auto m = next();
    ASSERT_FALSE(m.text) << "binary_frames negotiated: tcp_data goes binary";
    auto bin = v1::decode_binary(m.data);
    ASSERT_TRUE(bin);
    EXPECT_EQ(bin->kind, v1::binary_kind::tcp_data);
    EXPECT_EQ(bin->id, id);
    EXPECT_EQ(bin->payload, "hello target");

    ws->send_binary(v1::encode_binary(v1::binary_kind::tcp_data, id, std::string("bin\0ary", 7)));
    EXPECT_EQ(caller.read_exact(7), std::string("bin\0ary", 7));
    // JSON tcp_data is always accepted (§1).
    ws->send_text(json::serialize(json::object{{"type", "tcp_data"}, {"conn_id", id},
                                               {"data", base64_encode("json form")}, {"sequence", 1}}));
    EXPECT_EQ(caller.read_exact(9), "json form");
    // Data for an unknown id is dropped silently.
    ws->send_binary(v1::encode_binary(v1::binary_kind::tcp_data, "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10", "x"));

    // The target closed: the caller gets the end after the bytes.
    ws->send_text(json::serialize(json::object{{"type", "tcp_close"}, {"conn_id", id}, {"error", nullptr}}));
    auto rest = caller.read_to_end(std::chrono::seconds(5));
    ASSERT_TRUE(rest);
    EXPECT_EQ(*rest, "");
}

TEST_F(v1_tcp_server, json_form_without_binary_frames) {
    connect(R"(["chunked_http"])");
    EXPECT_FALSE(auth_ok.contains("capabilities")) << "nothing in common: none echoed";
    tcp_caller caller(port);
    std::string id(next_json("tcp_connect").at("conn_id").as_string());
    caller.write("one");
    auto d = next_json("tcp_data");
    EXPECT_EQ(d.at("conn_id").as_string(), id);
    EXPECT_EQ(*base64_decode(std::string(d.at("data").as_string())), "one");
    EXPECT_EQ(d.at("sequence").to_number<int>(), 0);
    caller.write("two");
    auto d2 = next_json("tcp_data");
    EXPECT_EQ(*base64_decode(std::string(d2.at("data").as_string())), "two");
    EXPECT_EQ(d2.at("sequence").to_number<int>(), 1);
}

TEST_F(v1_tcp_server, caller_end_of_input_is_tcp_close) {
    connect();
    tcp_caller caller(port);
    std::string id(next_json("tcp_connect").at("conn_id").as_string());
    caller.shutdown_write();
    auto close = next_json("tcp_close");
    EXPECT_EQ(close.at("conn_id").as_string(), id);
    EXPECT_TRUE(close.at("error").is_null());
    // 1.1 has no half-close: the connection is over both ways.
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(5)));
    // The original client echoes tcp_close: ignored.
    ws->send_text(json::serialize(json::object{{"type", "tcp_close"}, {"conn_id", id}, {"error", nullptr}}));
}

TEST_F(v1_tcp_server, target_connect_failure_closes_the_caller_at_once) {
    connect();
    tcp_caller caller(port);
    std::string id(next_json("tcp_connect").at("conn_id").as_string());
    ws->send_text(json::serialize(json::object{
        {"type", "tcp_close"}, {"conn_id", id}, {"error", "[Errno 111] Connect call failed ('127.0.0.1', 9)"}}));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(5)));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST_F(v1_tcp_server, client_without_tcp_mode_gets_no_connections) {
    // The npm client 0.2.1 and pre-0.11 Python clients announce no capabilities: they know no tcp_connect.
    connect("[]");
    tcp_caller caller(port);
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(5)));
    auto m = ws->read(std::chrono::milliseconds(300));
    EXPECT_TRUE(m.data.find("tcp_connect") == std::string::npos) << m.data;
}

TEST_F(v1_tcp_server, target_outrunning_a_caller_that_does_not_read_is_cut) {
    connect();
    tcp_caller caller(port);  // never reads
    std::string id(next_json("tcp_connect").at("conn_id").as_string());
    const std::string chunk(64 * 1024, 'x');
    // 1.1 has no flow control: past --v1-stream-buffer (1 MiB here) plus what the sockets hold, the
    // server gives up on the connection and tells the client.
    for (int i = 0; i < 512; ++i) ws->send_binary(v1::encode_binary(v1::binary_kind::tcp_data, id, chunk));
    auto close = next_json("tcp_close");
    EXPECT_EQ(close.at("conn_id").as_string(), id);
    EXPECT_FALSE(close.at("error").is_null());
    // The session lives on: a new connection works.
    tcp_caller second(port);
    std::string id2(next_json("tcp_connect").at("conn_id").as_string());
    EXPECT_NE(id2, id);
}

TEST_F(v1_tcp_server, offline_tunnel_closes_the_connection_at_once) {
    token = server.create_tunnel("db");
    port = server.listener_port("TCP", "db");
    tcp_caller caller(port);
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(2)));
}

TEST_F(v1_tcp_server, session_lost_closes_its_connections) {
    connect();
    tcp_caller a(port);
    next_json("tcp_connect");
    tcp_caller b(port);
    next_json("tcp_connect");
    ws.reset();  // the client goes away
    EXPECT_TRUE(a.wait_closed(std::chrono::seconds(2)));
    EXPECT_TRUE(b.wait_closed(std::chrono::seconds(2)));
}

}  // namespace
}  // namespace tunely::test
