// A hand-made protocol 1.1 client (raw JSON frames, no protocol 2) against the
// real server: what original Tunely clients in the field do.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <future>

#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

class v1_client : public ::testing::Test {
protected:
    void SetUp() override {
        token = server.create_tunnel("legacy");
        ws = std::make_unique<ws_test_client>(server.port(), "/ws/tunnel");
        ws->send_text(R"({"type":"auth","token":")" + token + R"(","client_version":"0.1.0","force":false})");
        auto ok = json::parse(ws->read().data);
        ASSERT_EQ(ok.at("type").as_string(), "auth_ok");
        EXPECT_EQ(ok.at("domain").as_string(), "legacy");
        EXPECT_FALSE(ok.as_object().contains("capabilities")) << "1.1 clients must not be offered protocol 2";
    }

    // Reads frames until a `request` arrives (answering pings on the way).
    json::object next_request() {
        for (;;) {
            auto m = ws->read();
            if (m.closed) throw std::runtime_error("closed: " + m.close_reason);
            auto v = json::parse(m.data).as_object();
            if (v.at("type").as_string() == "request") return v;
        }
    }

    std::future<http_result> call(std::string method, std::string target, std::string body = {}) {
        return std::async(std::launch::async, [=, this] {
            http_call c;
            c.method = method;
            c.target = target;
            c.body = body;
            return http_request(server.port(), c);
        });
    }

    tunely_server_process server;
    std::string token;
    std::unique_ptr<ws_test_client> ws;
};

TEST_F(v1_client, plain_request_and_response) {
    auto pending = call("POST", "/t/legacy/api/chat?lang=en", R"({"message": "hello"})");
    auto req = next_request();
    EXPECT_EQ(req.at("method").as_string(), "POST");
    EXPECT_EQ(req.at("path").as_string(), "/api/chat?lang=en");
    EXPECT_EQ(req.at("body").as_string(), R"({"message": "hello"})");
    EXPECT_TRUE(req.at("headers").is_object());
    EXPECT_GT(req.at("timeout").to_number<double>(), 0.0);
    std::string id(req.at("id").as_string());
    ws->send_text(json::serialize(json::object{{"type", "response"}, {"id", id}, {"status", 201},
                                               {"headers", json::object{{"content-type", "application/json"}}},
                                               {"body", R"({"reply":"hi!"})"}, {"error", nullptr}, {"duration_ms", 14}}));
    auto r = pending.get();
    EXPECT_EQ(r.status, 201u) << r.error;
    EXPECT_EQ(r.body, R"({"reply":"hi!"})");
    EXPECT_EQ(r.header("content-type"), "application/json");
}

TEST_F(v1_client, streamed_sse_response) {
    std::vector<timed_chunk> chunks;
    auto pending = std::async(std::launch::async, [&] {
        http_call c;
        c.target = "/t/legacy/events";
        return http_request_streamed(server.port(), c, chunks);
    });
    auto req = next_request();
    std::string id(req.at("id").as_string());
    ws->send_text(json::serialize(json::object{{"type", "stream_start"}, {"id", id}, {"status", 200},
                                               {"headers", json::object{{"content-type", "text/event-stream"}}}}));
    for (int i = 0; i < 3; ++i)
        ws->send_text(json::serialize(json::object{{"type", "stream_chunk"}, {"id", id},
                                                   {"data", "data: {\"index\": " + std::to_string(i) + "}\n\n"},
                                                   {"sequence", i}}));
    ws->send_text(json::serialize(json::object{{"type", "stream_end"}, {"id", id}, {"error", nullptr},
                                               {"duration_ms", 5}, {"total_chunks", 3}}));
    auto r = pending.get();
    EXPECT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.header("content-type"), "text/event-stream");
    EXPECT_EQ(r.body, "data: {\"index\": 0}\n\ndata: {\"index\": 1}\n\ndata: {\"index\": 2}\n\n");
}

TEST_F(v1_client, malformed_and_spoofed_frames_are_dropped_without_ending_the_session) {
    auto pending = call("GET", "/t/legacy/x");
    auto req = next_request();
    std::string id(req.at("id").as_string());
    ws->send_text("this is not json");
    ws->send_text(R"({"type":"response"})");                  // missing id and status
    ws->send_text(R"({"type":"warp_drive","id":"x"})");       // unknown type
    ws->send_binary(std::string("\x00\xff\x10", 3));         // binary on a 1.1 session
    ws->send_text(R"({"type":"response","id":"00000000-0000-4000-8000-000000000000","status":200,"body":"spoof"})");
    ws->send_text(R"({"type":"ping"})");
    // The session is still alive: it answers our ping …
    bool pong = false;
    for (int i = 0; i < 5 && !pong; ++i) {
        auto m = ws->read();
        ASSERT_FALSE(m.closed) << m.close_reason;
        pong = json::parse(m.data).at("type").as_string() == "pong";
    }
    EXPECT_TRUE(pong);
    // … and the real answer still reaches the caller; the spoofed one did not.
    ws->send_text(R"({"type":"response","id":")" + id + R"(","status":200,"body":"real"})");
    auto r = pending.get();
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "real");
}

TEST_F(v1_client, client_reported_failures_map_to_statuses) {
    auto pending = call("GET", "/t/legacy/down");
    auto id = std::string(next_request().at("id").as_string());
    ws->send_text(json::serialize(json::object{{"type", "response"}, {"id", id}, {"status", 503}, {"body", nullptr},
                                               {"error", "Target service unavailable: connection refused"}}));
    auto r = pending.get();
    EXPECT_EQ(r.status, 503u);
    EXPECT_NE(r.body.find("Target service unavailable"), std::string::npos) << r.body;
}

TEST_F(v1_client, binary_request_body_cannot_travel_over_1_1) {
    auto r = call("POST", "/t/legacy/upload", std::string("\xff\xfe\x00\x01", 4)).get();
    EXPECT_EQ(r.status, 415u) << r.body;
}

TEST_F(v1_client, disconnect_fails_pending_requests_at_once) {
    auto pending = call("GET", "/t/legacy/wait");
    next_request();
    ws->close();
    auto r = pending.get();
    EXPECT_EQ(r.status, 502u) << r.error;
}

}  // namespace
}  // namespace tunely::test
