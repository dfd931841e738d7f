// Failure handling end to end: target down, tunnel lost mid-request, wrong
// token, duplicate connections and forced takeover.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <signal.h>

#include <future>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

http_result get(const tunely_server_process& server, const std::string& target,
                std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    http_call c;
    c.target = target;
    c.timeout = timeout;
    return http_request(server.port(), c);
}

TEST(failure_e2e, tunnel_not_connected_gives_503) {
    tunely_server_process server;
    server.create_tunnel("idle");
    auto r = get(server, "/t/idle/anything");
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(json::parse(r.body).at("error").as_string(), "Tunnel not connected: idle");
    auto bad = get(server, "/t/bad_domain!/x");
    EXPECT_EQ(bad.status, 400u);
}

// A domain that is no tunnel at all is 404 (path and Host routing alike); one that exists but has no client, 503.
TEST(failure_e2e, an_unknown_tunnel_is_404_and_an_offline_one_503) {
    tunely_server_process server;
    auto unknown = get(server, "/t/nosuch/x");
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_EQ(json::parse(unknown.body).at("error").as_string(), "Tunnel not found: nosuch");
    http_call by_host;
    by_host.target = "/x";
    by_host.host = "nosuch.localhost";
    EXPECT_EQ(http_request(server.port(), by_host).status, 404u);

    server.create_tunnel("later");
    EXPECT_EQ(get(server, "/t/later/x").status, 503u);
}

// A browser gets the same status as a small HTML page; curl and API clients keep the JSON answer.
TEST(failure_e2e, callers_that_ask_for_html_get_an_error_page) {
    tunely_server_process server;
    server.create_tunnel("idle");
    http_call c;
    c.target = "/t/idle/page";
    c.headers = {{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}};
    auto page = http_request(server.port(), c);
    EXPECT_EQ(page.status, 503u);
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("<title>503 Service Unavailable</title>"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("Tunnel not connected: idle"), std::string::npos) << page.body;

    c.target = "/t/bad_domain!/x";
    auto bad = http_request(server.port(), c);
    EXPECT_EQ(bad.status, 400u);
    EXPECT_NE(bad.body.find("<h1>400 Bad Request</h1>"), std::string::npos) << bad.body;

    c.target = "/t/idle/api";
    c.headers = {{"Accept", "application/json, text/html;q=0.5"}};
    auto api = http_request(server.port(), c);
    EXPECT_EQ(api.status, 503u);
    EXPECT_EQ(json::parse(api.body).at("error").as_string(), "Tunnel not connected: idle");
}

TEST(failure_e2e, target_down_gives_503) {
    tunely_server_process server;
    auto token = server.create_tunnel("down");
    // A port nobody listens on: bind one, note it, close it.
    std::uint16_t dead_port;
    {
        test_target t;
        dead_port = t.port();
    }
    auto client = start_client(server, token, "http://127.0.0.1:" + std::to_string(dead_port));
    ASSERT_TRUE(server.wait_connected("down")) << client->output();
    auto r = get(server, "/t/down/x");
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_NE(r.body.find("Target service unavailable"), std::string::npos) << r.body;
}

TEST(failure_e2e, client_killed_mid_request_gives_502_at_once) {
    test_target target;
    tunely_server_process server({"--request-timeout", "30"});
    auto token = server.create_tunnel("dies");
    auto client = start_client(server, token, target.url());
    ASSERT_TRUE(server.wait_connected("dies")) << client->output();

    auto pending = std::async(std::launch::async, [&] { return get(server, "/t/dies/slow?ms=20000", std::chrono::seconds(40)); });
    // Wait until the request is in flight at the server, then kill the client.
    bool in_flight = false;
    for (int i = 0; i < 500 && !in_flight; ++i) {
        auto v = json::parse(server.admin("GET", "/api/tunnels/dies").body);
        in_flight = v.at("live").is_object() && v.at("live").at("in_flight").as_int64() > 0;
        if (!in_flight) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(in_flight);
    auto killed = std::chrono::steady_clock::now();
    client->signal(SIGKILL);
    auto r = pending.get();
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
    EXPECT_EQ(r.status, 502u) << r.error << r.body;
    EXPECT_NE(r.body.find("Tunnel disconnected"), std::string::npos) << r.body;
    // The request timeout is 30 s: an answer well before it means the loss was
    // noticed at once, not by the deadline.
    EXPECT_LT(waited.count(), 10'000);
    std::printf("[ measured ] 502 arrived %lld ms after the client was killed\n", static_cast<long long>(waited.count()));
}

TEST(failure_e2e, client_killed_during_a_websocket_cuts_the_callers_connection) {
    test_target target;
    tunely_server_process server;
    auto token = server.create_tunnel("wsdies");
    auto client = start_client(server, token, target.url());
    ASSERT_TRUE(server.wait_connected("wsdies")) << client->output();
    ws_test_client ws(server.port(), "/t/wsdies/ws");
    ws.send_text("before");
    ASSERT_EQ(ws.read().data, "before");
    client->signal(SIGKILL);
    // The upgraded connection has nowhere to go: the caller sees it end (no hang until some timeout).
    auto m = ws.read(std::chrono::seconds(10));
    EXPECT_TRUE(m.closed);
    EXPECT_NE(m.close_reason, "timeout") << "the caller's connection was left open";
    EXPECT_TRUE(server.wait_connected("wsdies", false)) << "the session is gone";
}

TEST(failure_e2e, wrong_token_gets_auth_error_and_1008) {
    tunely_server_process server;
    ws_test_client ws(server.port(), "/ws/tunnel");
    ws.send_text(R"({"type":"auth","token":"tun_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","client_version":"0.1.0"})");
    auto m = ws.read();
    ASSERT_FALSE(m.closed) << m.close_reason;
    auto v = json::parse(m.data);
    EXPECT_EQ(v.at("type").as_string(), "auth_error");
    EXPECT_EQ(v.at("code").as_string(), "auth_failed");
    EXPECT_EQ(v.at("error").as_string(), "Authentication failed");
    auto end = ws.read();
    EXPECT_TRUE(end.closed);
    EXPECT_EQ(end.close_code, 1008);
}

TEST(failure_e2e, first_frame_must_be_auth) {
    tunely_server_process server;
    ws_test_client ws(server.port(), "/ws/tunnel");
    ws.send_text(R"({"type":"ping"})");
    auto v = json::parse(ws.read().data);
    EXPECT_EQ(v.at("type").as_string(), "auth_error");
    EXPECT_EQ(ws.read().close_code, 1008);
}

TEST(failure_e2e, silent_connection_is_closed_after_auth_timeout) {
    tunely_server_process server({"--auth-timeout", "0.3"});
    ws_test_client ws(server.port(), "/ws/tunnel");
    auto m = ws.read(std::chrono::seconds(10));
    EXPECT_TRUE(m.closed);
    EXPECT_EQ(m.close_code, 1008);
}

TEST(failure_e2e, duplicate_is_rejected_and_force_takes_over) {
    test_target target;
    tunely_server_process server;
    auto token = server.create_tunnel("dup");
    auto first = start_client(server, token, target.url());
    ASSERT_TRUE(server.wait_connected("dup")) << first->output();

    auto second = start_client(server, token, target.url());
    auto code = second->wait_exit(std::chrono::seconds(15));
    ASSERT_TRUE(code.has_value()) << second->output();
    EXPECT_EQ(*code, 3);
    EXPECT_NE(second->output().find("already connected"), std::string::npos) << second->output();

    auto forced = start_client(server, token, target.url(), {"--force"});
    ASSERT_TRUE(forced->wait_for("connected", std::chrono::seconds(15)).has_value()) << forced->output();
    // The replaced client is told to go; reconnecting without --force it is then refused.
    auto first_code = first->wait_exit(std::chrono::seconds(15));
    ASSERT_TRUE(first_code.has_value()) << first->output();
    EXPECT_EQ(*first_code, 3);
    // The new session serves (the old one's cleanup did not unregister it).
    ASSERT_TRUE(server.wait_connected("dup"));
    auto r = get(server, "/t/dup/echo/after-force");
    EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(failure_e2e, rotate_token_drops_the_client_and_old_token_fails) {
    test_target target;
    tunely_server_process server;
    auto token = server.create_tunnel("rot");
    auto client = start_client(server, token, target.url());
    ASSERT_TRUE(server.wait_connected("rot")) << client->output();
    auto r = server.admin("POST", "/api/tunnels/rot/regenerate-token");
    ASSERT_EQ(r.status, 200u) << r.body;
    auto fresh = std::string(json::parse(r.body).at("token").as_string());
    EXPECT_NE(fresh, token);
    auto code = client->wait_exit(std::chrono::seconds(15));  // reconnects, is refused, stops
    ASSERT_TRUE(code.has_value()) << client->output();
    EXPECT_EQ(*code, 1);
    EXPECT_TRUE(server.wait_connected("rot", false));
    auto again = start_client(server, fresh, target.url());
    EXPECT_TRUE(server.wait_connected("rot")) << again->output();
}

TEST(failure_e2e, client_falls_back_to_1_1_when_the_server_offers_only_that) {
    test_target target;
    tunely_server_process server({"--no-protocol-2"});
    auto client = start_client(server, server.create_tunnel("old"), target.url());
    ASSERT_TRUE(server.wait_connected("old")) << client->output();
    auto live = json::parse(server.admin("GET", "/api/tunnels/old").body).at("live");
    EXPECT_EQ(live.at("protocol").as_string(), "1.1");
    auto r = get(server, "/t/old/echo/fallback?q=1");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(json::parse(r.body).at("target").as_string(), "/echo/fallback?q=1");
}

TEST(failure_e2e, terminal_view_shows_status_and_one_line_per_request) {
    test_target target;
    tunely_server_process server;
    auto token = server.create_tunnel("tty");
    // script(1) gives the client a pseudo-terminal, as a user's shell would.
    auto command = tunely_binary() + " connect --server " + server.ws_url() + " --token " + token + " --target " +
                   target.url();
    child_process client("/usr/bin/script", {"-qfec", command, "/dev/null"});
    ASSERT_TRUE(server.wait_connected("tty")) << client.output();
    EXPECT_TRUE(client.wait_for("Session Status", std::chrono::seconds(10)).has_value()) << client.output();
    auto r = get(server, "/t/tty/status/404");
    EXPECT_EQ(r.status, 404u);
    EXPECT_TRUE(client.wait_for(R"(GET +/status/404 .*404.* ms)", std::chrono::seconds(10)).has_value())
        << client.output();
}

TEST(failure_e2e, client_comes_back_after_a_server_restart) {
    test_target target;
    tunely_server_process server;
    auto token = server.create_tunnel("back");
    auto client = start_client(server, token, target.url());
    ASSERT_TRUE(server.wait_connected("back")) << client->output();
    server.restart();
    // The client notices, backs off (0.2 s base in tests) and reconnects by itself.
    ASSERT_TRUE(server.wait_connected("back", true, std::chrono::seconds(30))) << client->output();
    EXPECT_TRUE(client->running());
    auto r = get(server, "/t/back/echo/again");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_NE(client->output().find("reconnecting"), std::string::npos) << client->output();
}

}  // namespace
}  // namespace tunely::test
