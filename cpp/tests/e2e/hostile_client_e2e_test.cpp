// A tunnel client holding a valid token is as hostile as anyone on the wire:
// response splitting through header fields, a body that disagrees with its
// Content-Length, 1xx spoofing, statuses HTTP does not have, a second head on a
// stream. Each must end that one exchange with a clean error (502, or a cut
// connection once the head is out), never reach the caller as bytes of another
// response, and leave the session serving.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "hostile_peers.hpp"
#include "test_target.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
using namespace hostile;

std::string v1_response(const json::object& req, int status, json::object headers, std::string body) {
    return json::serialize(json::object{{"type", "response"}, {"id", req.at("id")}, {"status", status},
                                        {"headers", std::move(headers)}, {"body", std::move(body)}});
}

TEST(hostile_client, v1_header_fields_with_cr_lf_never_reach_the_caller) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("split1"), false);

    auto pending = call(server, "/t/split1/a");
    auto req = next_v1_request(*ws);
    ws->send_text(v1_response(req, 200, {{"X-Evil", "1\r\nSet-Cookie: pwned=1"}}, "hi"));
    auto r = pending.get();
    EXPECT_EQ(r.status, 502u) << r.error;
    EXPECT_TRUE(r.all("set-cookie").empty());

    pending = call(server, "/t/split1/b");
    req = next_v1_request(*ws);
    ws->send_text(json::serialize(json::object{{"type", "stream_start"}, {"id", req.at("id")}, {"status", 200},
                                               {"headers", {{"X-A\r\nSet-Cookie: x", "1"}}}}));
    r = pending.get();
    EXPECT_EQ(r.status, 502u) << r.error;
    EXPECT_TRUE(r.all("set-cookie").empty());

    pending = call(server, "/t/split1/c");
    req = next_v1_request(*ws);
    ws->send_text(v1_response(req, 100, {}, "early"));  // 1.1 has no interim answers
    EXPECT_EQ(pending.get().status, 502u);

    pending = call(server, "/t/split1/d");  // the session survived all of it
    req = next_v1_request(*ws);
    ws->send_text(v1_response(req, 200, {{"X-Fine", "yes"}}, "ok"));
    r = pending.get();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "ok");
    EXPECT_EQ(r.header("x-fine"), "yes");
}

TEST(hostile_client, v1_request_fields_are_lower_case_without_host_and_content_length) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("fields1"), false);
    auto pending = std::async(std::launch::async, [&] {
        http_call c;
        c.method = "POST";
        c.target = "/t/fields1/api";
        c.headers = {{"Content-Type", "application/json"}, {"X-Mixed-Case", "v"}};
        c.body = R"({"a": 1})";
        return http_request(server.port(), c);
    });
    auto req = next_v1_request(*ws);
    const auto& headers = req.at("headers").as_object();
    EXPECT_FALSE(headers.contains("host"));
    EXPECT_FALSE(headers.contains("Host"));
    EXPECT_FALSE(headers.contains("content-length"));
    EXPECT_FALSE(headers.contains("Content-Length"));
    EXPECT_TRUE(headers.contains("x-mixed-case"));
    EXPECT_TRUE(headers.contains("content-type"));
    for (const auto& kv : headers) EXPECT_EQ(std::string(kv.key()), to_lower(kv.key()));
    ws->send_text(v1_response(req, 200, {}, "ok"));
    EXPECT_EQ(pending.get().status, 200u);
}

TEST(hostile_client, v1_request_above_one_mebibyte_is_413_and_the_session_lives) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("big1"), false);
    http_call c;
    c.method = "POST";
    c.target = "/t/big1/upload";
    c.body = std::string(1024 * 1024 + 1, 'b');
    EXPECT_EQ(http_request(server.port(), c).status, 413u);
    auto pending = call(server, "/t/big1/after");
    auto req = next_v1_request(*ws);
    ws->send_text(v1_response(req, 200, {}, "alive"));
    EXPECT_EQ(pending.get().body, "alive");
}

// One raw caller on a keep-alive connection while the test plays the tunnel client.
struct v2_exchange {
    std::future<raw_reply> caller;
    v2::stream_id id = 0;
};
v2_exchange start_raw(const tunely_server_process& server, ws_test_client& ws, const std::string& path) {
    v2_exchange x;
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    x.caller = std::async(std::launch::async, [port = server.port(), request] {
        return raw_call(port, request, std::chrono::seconds(5));
    });
    auto open = next_v2<v2::open>(ws);
    if (open) x.id = open->id;
    return x;
}

TEST(hostile_client, v2_body_longer_than_content_length_is_cut_and_the_connection_closed) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("cl2"), true);
    auto x = start_raw(server, *ws, "/t/cl2/a");
    ASSERT_NE(x.id, 0u);
    ws->send_binary(v2::encode(v2::response{x.id, false, 200, {{"Content-Length", "3"}}}));
    ws->send_binary(v2::encode(v2::data{x.id, true, "helHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"}));
    auto reply = x.caller.get();
    EXPECT_TRUE(reply.closed_by_server) << "the keep-alive connection must not be reused";
    EXPECT_EQ(reply.bytes.substr(reply.bytes.find("\r\n\r\n") + 4), "hel");
    EXPECT_EQ(reply.bytes.find("forged"), std::string::npos);

    x = start_raw(server, *ws, "/t/cl2/b");  // shorter than declared: the caller can tell
    ASSERT_NE(x.id, 0u);
    ws->send_binary(v2::encode(v2::response{x.id, false, 200, {{"Content-Length", "100"}}}));
    ws->send_binary(v2::encode(v2::data{x.id, true, "short"}));
    reply = x.caller.get();
    EXPECT_TRUE(reply.closed_by_server);
    EXPECT_EQ(reply.bytes.substr(reply.bytes.find("\r\n\r\n") + 4), "short");
}

TEST(hostile_client, v2_conflicting_content_lengths_and_bad_statuses_are_502) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("bad2"), true);
    struct bad_head {
        unsigned status;
        header_list fields;
    };
    std::vector<bad_head> heads = {
        {200, {{"Content-Length", "3"}, {"Content-Length", "5"}}},
        {200, {{"Content-Length", "3, 4"}}},
        {999, {}},
        {200, {{"X-Ctl", std::string("a\x03") + "a"}}},  // a control character (found by fuzz_v2_codec)
        {101, {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}}},  // the request asked for no upgrade
    };
    for (const auto& bad : heads) {
        auto pending = call(server, "/t/bad2/x");
        auto open = next_v2<v2::open>(*ws);
        ASSERT_TRUE(open);
        ws->send_binary(v2::encode(v2::response{open->id, true, static_cast<std::uint16_t>(bad.status), bad.fields,
                                                "abc"}));
        auto r = pending.get();
        EXPECT_EQ(r.status, 502u) << "status " << bad.status << ": " << r.error;
        auto reset = next_v2<v2::reset>(*ws);
        ASSERT_TRUE(reset);
        EXPECT_EQ(reset->id, open->id);
        EXPECT_EQ(reset->code, v2::reset_code::protocol_error);
    }
}

TEST(hostile_client, v2_field_with_cr_lf_fails_the_exchange_at_once) {
    tunely_server_process server;  // request timeout 300 s: a 502 here did not wait for it
    auto ws = raw_client(server, server.create_tunnel("crlf2"), true);
    auto pending = call(server, "/t/crlf2/x", std::chrono::seconds(10));
    auto open = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open);
    // encode() writes what it is given; the server's decoder must refuse it.
    ws->send_binary(v2::encode(v2::response{open->id, true, 200, {{"X-Evil", "1\r\nSet-Cookie: pwned=1"}}, "x"}));
    auto r = pending.get();
    EXPECT_EQ(r.status, 502u) << r.error;
    EXPECT_TRUE(r.all("set-cookie").empty());
}

TEST(hostile_client, v2_interim_responses_are_not_taken_as_the_answer) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("early2"), true);
    auto pending = call(server, "/t/early2/x");
    auto open = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open);
    ws->send_binary(v2::encode(v2::response{open->id, false, 100, {}}));
    ws->send_binary(v2::encode(v2::response{open->id, false, 103, {{"Link", "</s.css>; rel=preload"}}}));
    ws->send_binary(v2::encode(v2::response{open->id, true, 200, {{"Content-Type", "text/plain"}}, "final"}));
    auto r = pending.get();
    EXPECT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.body, "final");
}

TEST(hostile_client, v2_second_response_on_a_stream_resets_it) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("twice2"), true);
    auto x = start_raw(server, *ws, "/t/twice2/x");
    ASSERT_NE(x.id, 0u);
    ws->send_binary(v2::encode(v2::response{x.id, false, 200, {}}));
    ws->send_binary(v2::encode(v2::data{x.id, false, "first"}));
    ws->send_binary(v2::encode(v2::response{x.id, true, 200, {}, "SECOND"}));
    auto reset = next_v2<v2::reset>(*ws);
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->id, x.id);
    EXPECT_EQ(reset->code, v2::reset_code::protocol_error);
    auto reply = x.caller.get();
    EXPECT_EQ(reply.bytes.find("SECOND"), std::string::npos);
    EXPECT_TRUE(reply.closed_by_server) << "a cut response ends its connection";
}

TEST(hostile_client, dot_segments_never_climb_above_the_tunnel_root) {
    tunely_server_process server;
    auto ws = raw_client(server, server.create_tunnel("dots2"), true);
    for (std::string path : {"/t/dots2/a/../../secret?x=/../y", "/t/dots2/%2e%2e/secret?x=/../y",
                             "/t/dots2/./a/%2E%2e/secret?x=/../y"}) {
        auto pending = call(server, path);
        auto open = next_v2<v2::open>(*ws);
        ASSERT_TRUE(open);
        EXPECT_EQ(open->target, "/secret?x=/../y") << path;
        ws->send_binary(v2::encode(v2::response{open->id, true, 204, {}}));
        EXPECT_EQ(pending.get().status, 204u);
    }
}

TEST(hostile_client, target_base_path_is_never_left) {
    test_target target;
    tunely_server_process server;
    auto client = start_client(server, server.create_tunnel("base"), target.url() + "/echo/app");
    ASSERT_TRUE(server.wait_connected("base")) << client->output();
    http_call c;
    c.target = "/t/base/../../secret";
    auto r = http_request(server.port(), c);
    ASSERT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(json::parse(r.body).at("target").as_string(), "/echo/app/secret");
}

TEST(hostile_client, a_target_with_more_fields_than_the_protocol_carries_is_one_502) {
    test_target target;
    tunely_server_process server;
    auto client = start_client(server, server.create_tunnel("many"), target.url());
    ASSERT_TRUE(server.wait_connected("many")) << client->output();
    http_call c;
    c.target = "/t/many/headers?count=300";
    auto r = http_request(server.port(), c);
    EXPECT_EQ(r.status, 502u) << r.error;
    c.target = "/t/many/headers?count=20";  // the client is alive and the session serves on
    r = http_request(server.port(), c);
    EXPECT_EQ(r.status, 200u) << r.error << client->output();
    EXPECT_EQ(r.header("x-h19"), "1");
    EXPECT_TRUE(client->running()) << client->output();
}

TEST(hostile_client, a_target_that_stalls_after_its_head_does_not_hold_the_stream) {
    test_target target;
    tunely_server_process server;
    auto client = start_client(server, server.create_tunnel("stall"), target.url(), {"--target-read-timeout", "0.5"});
    ASSERT_TRUE(server.wait_connected("stall")) << client->output();
    http_call c;
    c.target = "/t/stall/stall?ms=30000";
    c.timeout = std::chrono::seconds(20);
    auto r = http_request(server.port(), c);
    EXPECT_NE(r.error, "timeout") << "the stalled stream was still open when the caller gave up";
    EXPECT_NE(r.body, std::string(100, 'x'));
    EXPECT_TRUE(client->wait_for("Target response stalled", std::chrono::seconds(5))) << client->output();
}

TEST(hostile_client, stream_ids_never_wrap_the_session_goes_away_instead) {
    tunely_server_process server({"--v2-first-stream-id", "4294967293"});
    auto ws = raw_client(server, server.create_tunnel("ids"), true);
    auto first = call(server, "/t/ids/1");
    auto open1 = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open1);
    EXPECT_EQ(open1->id, 4294967293u);
    auto second = call(server, "/t/ids/2");
    auto open2 = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open2);
    EXPECT_EQ(open2->id, 4294967295u);
    auto third = call(server, "/t/ids/3");  // no id left: not id 1 again
    EXPECT_EQ(third.get().status, 503u);
    auto away = next_v2<v2::goaway>(*ws);
    ASSERT_TRUE(away);
    EXPECT_EQ(away->last_stream_id, 4294967295u);
    // The streams in flight still complete; then the server closes the session.
    ws->send_binary(v2::encode(v2::response{open1->id, true, 200, {}, "one"}));
    ws->send_binary(v2::encode(v2::response{open2->id, true, 200, {}, "two"}));
    EXPECT_EQ(first.get().body, "one");
    EXPECT_EQ(second.get().body, "two");
    bool closed = false;
    for (int i = 0; i < 20 && !closed; ++i) closed = ws->read().closed;
    EXPECT_TRUE(closed);
    EXPECT_TRUE(server.wait_connected("ids", false));
}

TEST(hostile_client, streams_per_session_are_capped) {
    tunely_server_process server({"--max-streams-per-session", "2"});
    auto ws = raw_client(server, server.create_tunnel("cap"), true);
    auto a = call(server, "/t/cap/a");
    auto b = call(server, "/t/cap/b");
    auto open_a = next_v2<v2::open>(*ws);
    auto open_b = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open_a && open_b);
    if (open_a->target != "/a") std::swap(open_a, open_b);  // the two callers race
    auto r = hostile::call(server, "/t/cap/c").get();
    EXPECT_EQ(r.status, 503u);
    EXPECT_NE(r.body.find("Too many requests in flight"), std::string::npos) << r.body;
    ws->send_binary(v2::encode(v2::response{open_a->id, true, 204, {}}));
    EXPECT_EQ(a.get().status, 204u);
    auto c = call(server, "/t/cap/c");  // a slot is free again
    auto open_c = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open_c);
    ws->send_binary(v2::encode(v2::response{open_c->id, true, 204, {}}));
    ws->send_binary(v2::encode(v2::response{open_b->id, true, 204, {}}));
    EXPECT_EQ(c.get().status, 204u);
    EXPECT_EQ(b.get().status, 204u);
}

}  // namespace
}  // namespace tunely::test
