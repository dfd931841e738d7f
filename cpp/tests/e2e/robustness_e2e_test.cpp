// Bad input at the server: malformed, oversized and spoofed frames on both
// protocol versions, oversized requests at ingress, heartbeat and idle close.
// None of it may crash or hang the server, and a session survives what it can.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <future>

#include "test_target.hpp"
#include "tunely/protocol/v2_batch.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace v2 = protocol::v2;

// Authenticates a raw client; with `v2` it offers protocol 2.
std::unique_ptr<ws_test_client> raw_client(const tunely_server_process& server, const std::string& token, bool v2) {
    auto ws = std::make_unique<ws_test_client>(server.port(), "/ws/tunnel");
    std::string caps = v2 ? R"(,"capabilities":["tunely/2"])" : "";
    ws->send_text(R"({"type":"auth","token":")" + token + "\"" + caps + "}");
    auto ok = json::parse(ws->read().data);
    EXPECT_EQ(ok.at("type").as_string(), "auth_ok");
    return ws;
}

std::future<http_result> call(const tunely_server_process& server, std::string target) {
    return std::async(std::launch::async, [&server, target] {
        http_call c;
        c.target = target;
        return http_request(server.port(), c);
    });
}

TEST(robustness, v2_session_survives_malformed_and_spoofed_frames) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("raw2"), true);
    auto pending = call(server, "/t/raw2/hello?x=1");
    v2::open open;
    for (;;) {
        auto m = ws->read();
        ASSERT_FALSE(m.closed) << m.close_reason;
        ASSERT_FALSE(m.text);
        auto f = v2::decode(m.data);
        ASSERT_TRUE(f.has_value());
        if (auto* o = std::get_if<v2::open>(&*f)) {
            open = *o;
            break;
        }
    }
    EXPECT_EQ(open.method, "GET");
    EXPECT_EQ(open.target, "/hello?x=1");
    EXPECT_TRUE(open.end_stream);

    ws->send_binary(std::string("\x03\x00", 2));                               // truncated
    ws->send_binary(std::string("\x7f\x00\x00\x00\x00\x01zz", 8));              // unknown type
    ws->send_binary(v2::encode(v2::data{open.id + 2, true, "spoof"}));          // unknown stream
    ws->send_binary(v2::encode(v2::response{open.id + 100, true, 200, {}}));    // another stream id
    ws->send_text(R"({"type":"response","id":"x","status":200})");            // text after negotiation
    ws->send_binary(v2::encode(v2::ping{0x0102030405060708ull}));
    bool pong = false;
    for (int i = 0; i < 5 && !pong; ++i) {
        auto m = ws->read();
        ASSERT_FALSE(m.closed) << m.close_reason;
        auto f = v2::decode(m.data);
        pong = f && std::holds_alternative<v2::pong>(*f) && std::get<v2::pong>(*f).opaque == 0x0102030405060708ull;
    }
    EXPECT_TRUE(pong) << "the session survived the bad frames";

    ws->send_binary(v2::encode(v2::response{open.id, false, 200, {{"Content-Type", "text/plain"}}}));
    ws->send_binary(v2::encode(v2::data{open.id, false, std::string("\x00\xff", 2)}));
    ws->send_binary(v2::encode(v2::data{open.id, true, "end"}));
    auto r = pending.get();
    EXPECT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.body, std::string("\x00\xff", 2) + "end");
}

TEST(robustness, batch_messages_are_taken_apart_and_malformed_ones_dropped) {
    tunely_server_process server;
    auto ws = std::make_unique<ws_test_client>(server.port(), "/ws/tunnel");
    ws->send_text(R"({"type":"auth","token":")" + server.create_tunnel("batch") +
                  R"(","capabilities":["tunely/2","tunely/2+batch"]})");
    auto ok = json::parse(ws->read().data);
    ASSERT_EQ(ok.at("type").as_string(), "auth_ok");
    EXPECT_EQ(ok.at("capabilities"), json::parse(R"(["tunely/2","tunely/2+batch"])"));

    std::string broken;
    v2::append_to_batch(broken, v2::encode(v2::ping{1}));
    broken.resize(broken.size() - 1);                        // the inner frame runs past the end
    ws->send_binary(broken);
    std::string batch;
    v2::append_to_batch(batch, std::string("\x03\x00\x00\x00\x00\x00", 6));  // DATA on stream 0: dropped alone
    v2::append_to_batch(batch, v2::encode(v2::ping{2}));
    v2::append_to_batch(batch, v2::encode(v2::ping{3}));
    ws->send_binary(batch);
    std::vector<std::uint64_t> pongs;
    while (pongs.size() < 2) {
        auto m = ws->read();
        ASSERT_FALSE(m.closed) << m.close_reason;
        auto messages = v2::is_batch(m.data) ? *v2::split_batch(m.data) : std::vector<std::string_view>{m.data};
        for (auto frame : messages) {
            auto f = v2::decode(frame);
            if (f && std::holds_alternative<v2::pong>(*f)) pongs.push_back(std::get<v2::pong>(*f).opaque);
        }
    }
    EXPECT_EQ(pongs, (std::vector<std::uint64_t>{2, 3})) << "no pong for the broken batch's ping, both for the good one";
}

TEST(robustness, v2_data_beyond_the_window_resets_the_stream) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("greedy"), true);
    // A caller that sends its request and never reads: the server stops
    // granting credit once the socket buffers are full.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket caller(ioc);
    caller.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    std::string request = "GET /t/greedy/big HTTP/1.1\r\nHost: x\r\n\r\n";
    boost::asio::write(caller, boost::asio::buffer(request));
    v2::stream_id id = 0;
    while (!id) {
        auto m = ws->read();
        ASSERT_FALSE(m.closed);
        auto f = v2::decode(m.data);
        if (f && std::holds_alternative<v2::open>(*f)) id = std::get<v2::open>(*f).id;
    }
    ws->send_binary(v2::encode(v2::response{id, false, 200, {}}));
    std::string chunk(65536, 'x');
    for (int i = 0; i < 600; ++i) ws->send_binary(v2::encode(v2::data{id, false, chunk}));  // 37.5 MiB
    bool reset = false;
    for (int i = 0; i < 1000 && !reset; ++i) {
        auto m = ws->read();
        ASSERT_FALSE(m.closed) << m.close_reason;
        auto f = v2::decode(m.data);
        reset = f && std::holds_alternative<v2::reset>(*f) &&
                std::get<v2::reset>(*f).code == v2::reset_code::flow_control;
    }
    EXPECT_TRUE(reset) << "a sender beyond its window is reset";
    ws->send_binary(v2::encode(v2::ping{7}));  // and the session goes on
    bool pong = false;
    for (int i = 0; i < 1000 && !pong; ++i) {
        auto f = v2::decode(ws->read().data);
        pong = f && std::holds_alternative<v2::pong>(*f);
    }
    EXPECT_TRUE(pong);
}

TEST(robustness, oversized_frame_closes_the_session_with_1009) {
    tunely_server_process server({"--v1-max-body", "1024"});
    auto ws = raw_client(server, server.create_tunnel("huge"), false);
    ws->send_text(R"({"type":"ping","timestamp":")" + std::string(65 * 1024 * 1024, 'a') + "\"}");
    auto m = ws->read(std::chrono::seconds(20));
    EXPECT_TRUE(m.closed);
    EXPECT_EQ(m.close_code, 1009);
    EXPECT_TRUE(server.wait_connected("huge", false));
    auto health = server.admin("GET", "/health");
    EXPECT_EQ(health.status, 200u) << "the server is still up";
}

TEST(robustness, oversized_request_head_and_1_1_body) {
    tunely_server_process server({"--v1-max-body", "1024"});
    auto ws = raw_client(server, server.create_tunnel("limits"), false);
    http_call c;
    c.target = "/t/limits/x";
    for (int i = 0; i < 20; ++i) c.headers.emplace_back("X-Big-" + std::to_string(i), std::string(4096, 'h'));
    EXPECT_EQ(http_request(server.port(), c).status, 431u);
    c.headers.clear();
    c.method = "POST";
    c.body = std::string(4096, 'b');
    EXPECT_EQ(http_request(server.port(), c).status, 413u);
    c.target = "/t/limits";  // no path after the domain: "/"
    c.method = "GET";
    c.body.clear();
    auto pending = std::async(std::launch::async, [&] { return http_request(server.port(), c); });
    auto req = json::parse(ws->read().data);
    EXPECT_EQ(req.at("path").as_string(), "/");
    ws->send_text(R"({"type":"response","id":")" + std::string(req.at("id").as_string()) + R"(","status":200})");
    EXPECT_EQ(pending.get().status, 200u);
}

TEST(robustness, server_pings_and_closes_a_silent_session) {
    tunely_server_process server({"--ping-interval", "0.2", "--idle-timeout", "1"});
    auto ws = raw_client(server, server.create_tunnel("quiet"), false);
    auto m = ws->read(std::chrono::seconds(10));
    ASSERT_FALSE(m.closed);
    EXPECT_EQ(json::parse(m.data).at("type").as_string(), "ping");
    // We never answer: the server must drop us (within its idle timeout, bounded here generously).
    bool closed = false;
    for (int i = 0; i < 50 && !closed; ++i) closed = ws->read(std::chrono::seconds(10)).closed;
    EXPECT_TRUE(closed);
    EXPECT_TRUE(server.wait_connected("quiet", false));
}

TEST(robustness, pong_answers_keep_a_session_alive_past_the_idle_timeout) {
    tunely_server_process server({"--ping-interval", "0.2", "--idle-timeout", "1"});
    auto ws = raw_client(server, server.create_tunnel("chatty"), false);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
    while (std::chrono::steady_clock::now() < until) {
        auto m = ws->read(std::chrono::seconds(5));
        ASSERT_FALSE(m.closed) << "closed although we answered: " << m.close_reason;
        if (json::parse(m.data).at("type").as_string() == "ping") ws->send_text(R"({"type":"pong"})");
    }
    EXPECT_TRUE(server.wait_connected("chatty", true));
}

TEST(robustness, many_concurrent_streams_on_one_session_and_caller_cancel) {
    test_target target;
    tunely_server_process server;
    auto client = start_client(server, server.create_tunnel("busy"), target.url());
    ASSERT_TRUE(server.wait_connected("busy")) << client->output();
    std::vector<std::future<http_result>> calls;
    for (int i = 0; i < 40; ++i) calls.push_back(call(server, "/t/busy/slow?ms=300&i=" + std::to_string(i)));
    for (auto& f : calls) {
        auto r = f.get();
        EXPECT_EQ(r.status, 200u) << r.error;
        EXPECT_EQ(r.body, "slow");
    }
    // The caller leaves an endless SSE stream: the exchange must end on both sides.
    http_call c;
    c.target = "/t/busy/sse?count=100000&interval_ms=20";
    c.timeout = std::chrono::milliseconds(500);
    auto r = http_request(server.port(), c);
    EXPECT_EQ(r.error, "timeout");
    bool drained = false;
    for (int i = 0; i < 500 && !drained; ++i) {
        auto v = json::parse(server.admin("GET", "/api/tunnels/busy").body);
        drained = v.at("live").at("in_flight").as_int64() == 0;
        if (!drained) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(drained) << "the cancelled stream is still open";
}

}  // namespace
}  // namespace tunely::test
