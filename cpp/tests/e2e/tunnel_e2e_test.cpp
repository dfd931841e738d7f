// End to end through the real binaries: `tunely server` + `tunely connect` +
// a real target, for both protocol versions our client speaks.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

struct stack {
    test_target target;
    tunely_server_process server{{"--request-timeout", "2"}};
    std::string token;
    std::unique_ptr<child_process> client;
};

// One server, target and client per protocol version, shared by the tests of
// that version (starting binaries is the slow part).
class tunnel_e2e : public ::testing::TestWithParam<std::string> {
protected:
    static std::map<std::string, std::unique_ptr<stack>>& stacks() {
        static std::map<std::string, std::unique_ptr<stack>> s;
        return s;
    }
    static void TearDownTestSuite() { stacks().clear(); }

    stack& s() {
        auto& slot = stacks()[GetParam()];
        if (!slot) {
            slot = std::make_unique<stack>();
            slot->token = slot->server.create_tunnel("app");
            std::vector<std::string> extra;
            if (GetParam() == "1.1") extra.push_back("--no-protocol-2");
            slot->client = start_client(slot->server, slot->token, slot->target.url(), extra);
            EXPECT_TRUE(slot->server.wait_connected("app")) << slot->client->output();
            auto live = json::parse(slot->server.admin("GET", "/api/tunnels/app").body).at("live");
            EXPECT_EQ(live.at("protocol").as_string(), GetParam());
        }
        return *slot;
    }

    http_result through(const std::string& method, const std::string& path, const std::string& body = {},
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
        http_call c;
        c.method = method;
        c.target = "/t/app" + path;
        c.body = body;
        c.headers = std::move(headers);
        return http_request(s().server.port(), c);
    }
};

TEST_P(tunnel_e2e, get_with_query_by_path_prefix) {
    auto r = through("GET", "/echo/items?id=42&q=a%20b");
    ASSERT_EQ(r.status, 200u) << r.error << r.body;
    auto v = json::parse(r.body);
    EXPECT_EQ(v.at("method").as_string(), "GET");
    EXPECT_EQ(v.at("target").as_string(), "/echo/items?id=42&q=a%20b");
    EXPECT_EQ(v.at("headers").at("x-forwarded-proto").as_string(), "http");
}

TEST_P(tunnel_e2e, get_by_host_subdomain) {
    http_call c;
    c.target = "/echo/host?x=1";
    c.host = "app.localhost:" + std::to_string(s().server.port());
    auto r = http_request(s().server.port(), c);
    ASSERT_EQ(r.status, 200u) << r.error << r.body;
    EXPECT_EQ(json::parse(r.body).at("target").as_string(), "/echo/host?x=1");
}

TEST_P(tunnel_e2e, methods_with_bodies) {
    for (std::string method : {"POST", "PUT", "DELETE", "PATCH"}) {
        SCOPED_TRACE(method);
        auto r = through(method, "/echo", R"({"message":"héllo"})", {{"Content-Type", "application/json"}});
        ASSERT_EQ(r.status, 200u) << r.error << r.body;
        auto v = json::parse(r.body);
        EXPECT_EQ(v.at("method").as_string(), method);
        EXPECT_EQ(v.at("body").as_string(), R"({"message":"héllo"})");
        EXPECT_EQ(v.at("headers").at("content-type").as_string(), "application/json");
    }
}

TEST_P(tunnel_e2e, status_and_headers_are_preserved) {
    auto r = through("GET", "/status/418");
    EXPECT_EQ(r.status, 418u);
    EXPECT_EQ(r.body, "status 418");
    auto c = through("GET", "/cookies");
    ASSERT_EQ(c.status, 200u);
    auto cookies = c.all("set-cookie");
    if (GetParam() == "2") EXPECT_EQ(cookies.size(), 2u);  // protocol 1.1 can carry only the first
    else EXPECT_EQ(cookies.size(), 1u);
    EXPECT_EQ(cookies.at(0), "a=1; Path=/");
}

TEST_P(tunnel_e2e, large_binary_bodies_are_byte_exact) {
    if (GetParam() != "2") GTEST_SKIP() << "protocol 1.1 carries only UTF-8 text bodies";
    const std::size_t size = 4 * 1024 * 1024;
    auto down = through("GET", "/bytes?size=" + std::to_string(size));
    ASSERT_EQ(down.status, 200u) << down.error;
    EXPECT_EQ(down.body.size(), size);
    EXPECT_TRUE(down.body == deterministic_bytes(size)) << "download differs";

    auto payload = deterministic_bytes(size, 11);
    auto up = through("POST", "/echo-body", payload, {{"Content-Type", "application/octet-stream"}});
    ASSERT_EQ(up.status, 200u) << up.error;
    EXPECT_EQ(up.body.size(), size);
    EXPECT_TRUE(up.body == payload) << "upload/echo differs";
}

TEST_P(tunnel_e2e, binary_response_over_1_1_is_a_clear_error) {
    if (GetParam() != "1.1") GTEST_SKIP();
    auto r = through("GET", "/bytes?size=64");
    EXPECT_EQ(r.status, 502u);
    EXPECT_NE(r.body.find("UTF-8"), std::string::npos) << r.body;
}

TEST_P(tunnel_e2e, sse_events_arrive_as_the_target_sends_them) {
    std::vector<timed_chunk> chunks;
    http_call c;
    c.target = "/t/app/sse?count=5&interval_ms=200";
    auto started = std::chrono::steady_clock::now();
    auto r = http_request_streamed(s().server.port(), c, chunks);
    ASSERT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.header("content-type"), "text/event-stream");
    std::string expected;
    for (int i = 0; i < 5; ++i) expected += "data: {\"index\": " + std::to_string(i) + "}\n\n";
    EXPECT_EQ(r.body, expected);
    // Buffering would deliver everything at once at the end; streaming spreads
    // arrivals over the 4 × 200 ms the target took. Slowness only widens it.
    ASSERT_GE(chunks.size(), 5u);
    auto spread = std::chrono::duration_cast<std::chrono::milliseconds>(chunks.back().at - chunks.front().at);
    EXPECT_GE(spread.count(), 600) << "events were not streamed";
    auto first = std::chrono::duration_cast<std::chrono::milliseconds>(chunks.front().at - started);
    EXPECT_LT(first.count(), spread.count()) << "first event held back";
}

TEST_P(tunnel_e2e, websocket_upgrade_passes_through) {
    if (GetParam() != "2") {
        // Protocol 1.1 cannot carry an upgrade: a clear 501, not a broken handshake.
        auto r = through("GET", "/ws", {}, {{"Connection", "Upgrade"}, {"Upgrade", "websocket"},
                                             {"Sec-WebSocket-Version", "13"}, {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
        EXPECT_EQ(r.status, 501u) << r.body;
        EXPECT_NE(r.body.find("upgrades"), std::string::npos) << r.body;
        return;
    }
    // Through the path prefix and the Host sub-domain, with end-to-end headers kept.
    ws_test_client ws(s().server.port(), "/t/app/ws", {{"Sec-WebSocket-Protocol", "chat, superchat"}, {"X-Probe", "p1"}});
    ws.send_text("headers");
    auto m = ws.read();
    ASSERT_FALSE(m.closed) << m.close_reason;
    EXPECT_EQ(m.data, "chat, superchat|p1");
    ws.send_text("héllo");
    m = ws.read();
    EXPECT_TRUE(m.text);
    EXPECT_EQ(m.data, "héllo");
    auto big = deterministic_bytes(3 * 1024 * 1024 + 17);  // beyond several 256 KiB windows each way
    ws.send_binary(big);
    m = ws.read(std::chrono::seconds(20));
    EXPECT_FALSE(m.text);
    EXPECT_TRUE(m.data == big) << "binary message changed in transit (" << m.data.size() << " bytes)";
    // (std::string(...).append rather than "m" + …: g++ 12 warns falsely, -Wrestrict, on the latter.)
    auto numbered = [](int i) { return std::string("m").append(std::to_string(i)); };
    for (int i = 0; i < 50; ++i) ws.send_text(numbered(i));
    for (int i = 0; i < 50; ++i) EXPECT_EQ(ws.read().data, numbered(i));
    ws.send_text("close");  // the target closes with its own code
    m = ws.read();
    EXPECT_TRUE(m.closed);
    EXPECT_EQ(m.close_code, 4000);
    EXPECT_EQ(m.close_reason, "bye");

    auto log = json::parse(s().server.admin("GET", "/api/requests?domain=app&q=%2Fws").body);
    bool found = false;
    for (int i = 0; i < 50 && !found; ++i) {
        for (auto& l : log.at("logs").as_array()) found = found || l.at("status_code").as_int64() == 101;
        if (!found) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            log = json::parse(s().server.admin("GET", "/api/requests?domain=app&q=%2Fws").body);
        }
    }
    EXPECT_TRUE(found) << "the upgraded exchange is in the request log with status 101";
}

TEST_P(tunnel_e2e, websocket_caller_closing_first_ends_the_target_side) {
    if (GetParam() != "2") GTEST_SKIP() << "protocol 1.1 carries no upgrades";
    for (int round = 0; round < 3; ++round) {  // sessions keep working after each closed WebSocket
        ws_test_client ws(s().server.port(), "/t/app/ws");
        const auto text = std::string("ping ").append(std::to_string(round));
        ws.send_text(text);
        EXPECT_EQ(ws.read().data, text);
        ws.close();
    }
    {  // A caller that drops the TCP connection without a close handshake.
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket sock(io);
        sock.connect({boost::asio::ip::make_address("127.0.0.1"), s().server.port()});
        std::string upgrade = "GET /t/app/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                              "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        boost::asio::write(sock, boost::asio::buffer(upgrade));
        std::string head;
        boost::asio::read_until(sock, boost::asio::dynamic_buffer(head), "\r\n\r\n");
        EXPECT_EQ(head.substr(0, 12), "HTTP/1.1 101") << head;
        EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << head;
        sock.close();
    }
    EXPECT_EQ(through("GET", "/echo/after").status, 200u);
    auto live = json::parse(s().server.admin("GET", "/api/tunnels/app").body).at("live");
    for (int i = 0; i < 50 && live.at("in_flight").as_int64() != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        live = json::parse(s().server.admin("GET", "/api/tunnels/app").body).at("live");
    }
    EXPECT_EQ(live.at("in_flight").as_int64(), 0) << "closed WebSockets leave no stream behind";
}

TEST_P(tunnel_e2e, slow_target_gives_504) {
    auto r = through("GET", "/slow?ms=5000");
    EXPECT_EQ(r.status, 504u) << r.body;
}

TEST_P(tunnel_e2e, request_log_records_exchanges) {
    auto r = through("GET", "/echo/logged", {}, {{"Authorization", "Bearer secret-value"}});
    ASSERT_EQ(r.status, 200u);
    bool found = false;
    for (int i = 0; i < 100 && !found; ++i) {
        auto logs = json::parse(s().server.admin("GET", "/api/tunnels/app/logs?limit=50").body);
        for (const auto& l : logs.at("logs").as_array()) {
            if (l.at("path").as_string() != "/echo/logged") continue;
            found = true;
            EXPECT_EQ(l.at("status_code").as_int64(), 200);
            EXPECT_EQ(l.at("request_headers").at("authorization").as_string(), "[REDACTED]");
        }
        if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer flushes every second
    }
    EXPECT_TRUE(found);
}

TEST_P(tunnel_e2e, metrics_count_exchanges) {
    ASSERT_EQ(through("GET", "/status/201").status, 201u);
    ASSERT_EQ(through("GET", "/status/503").status, 503u);
    http_call c;
    c.target = "/metrics";
    auto m = http_request(s().server.port(), c);
    ASSERT_EQ(m.status, 200u);
    EXPECT_NE(m.body.find("tunely_connected_tunnels 1"), std::string::npos) << m.body;
    auto count = [&](const std::string& cls) {
        auto key = "tunely_ingress_requests_total{class=\"" + cls + "\"} ";
        auto pos = m.body.find(key);
        return pos == std::string::npos ? -1.0 : std::stod(m.body.substr(pos + key.size()));
    };
    EXPECT_GE(count("2xx"), 1.0) << m.body;
    EXPECT_GE(count("5xx"), 1.0) << m.body;
    EXPECT_NE(m.body.find("tunely_request_log_dropped_total 0"), std::string::npos) << m.body;
}

INSTANTIATE_TEST_SUITE_P(protocols, tunnel_e2e, ::testing::Values("2", "1.1"),
                         [](const auto& info) { return info.param == "2" ? std::string("v2") : std::string("v1_1"); });

}  // namespace
}  // namespace tunely::test
