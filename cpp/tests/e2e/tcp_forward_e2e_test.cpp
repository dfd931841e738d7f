// POST /api/tunnels/{domain}/forward on a tunnel in mode tcp (tunely-0.12.md §2.7) with the real binaries:
// `tunely server` and `tunely connect --tcp-target`, over protocol 2 and over 1.1 (--no-protocol-2), to TCP
// targets that answer in scripted ways. The envelope is the HTTP-mode one, field for field.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <cstdlib>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "tcp_peers.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::ip::tcp;
using namespace std::chrono_literals;

// A TCP target on its own thread. Per connection: once what it received contains `until` (at once when
// `until` is empty) it writes `reply`, then closes — or, with `hold`, keeps the connection open without
// answering anything more, even after its peer's end of input, until the target is destroyed.
struct script {
    std::string until;
    std::string reply;
    bool hold = false;
};

class scripted_target {
public:
    explicit scripted_target(script s) : script_(std::move(s)) {
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~scripted_target() {
        io_.stop();
        thread_.join();
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
    int open_connections() const { return open_.load(); }
    // What the connection that started last has received so far.
    std::string received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }

private:
    asio::awaitable<void> serve(tcp::socket s) {
        ++open_;
        std::string got;
        bool answered = script_.until.empty();
        try {
            if (answered) co_await asio::async_write(s, asio::buffer(script_.reply), asio::use_awaitable);
            while (!answered || script_.hold) {
                char buf[16 * 1024];
                auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
                got.append(buf, n);
                {
                    std::lock_guard lock(mutex_);
                    received_ = got;
                }
                if (!answered && got.find(script_.until) != std::string::npos) {
                    answered = true;
                    co_await asio::async_write(s, asio::buffer(script_.reply), asio::use_awaitable);
                }
                if (ec && script_.hold) {  // the peer's end of input: ours does not follow
                    asio::steady_timer forever(io_, asio::steady_timer::time_point::max());
                    co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
                }
                if (ec) break;
            }
        } catch (...) {
        }
        boost::system::error_code ignored;
        s.shutdown(tcp::socket::shutdown_both, ignored);
        s.close(ignored);
        --open_;
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, s] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            {
                std::lock_guard lock(mutex_);
                received_.clear();
            }
            asio::co_spawn(io_, serve(std::move(s)), asio::detached);
        }
    }

    const script script_;
    asio::io_context io_{1};
    tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::atomic<int> open_{0};
    mutable std::mutex mutex_;
    std::string received_;
    std::thread thread_;
};

// A loopback port nothing listens on (bound once by us, then closed).
std::string refused_address() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto port = a.local_endpoint().port();
    a.close();
    return "127.0.0.1:" + std::to_string(port);
}

const std::set<std::string> envelope_fields{"status", "headers", "body", "duration_ms", "error"};

// The protocol the client speaks: 2, or 1.1 (--no-protocol-2).
class tcp_forward : public ::testing::TestWithParam<int> {
protected:
    void start(const std::string& tcp_target, std::vector<std::string> server_args = {}) {
        server = std::make_unique<tunely_server_process>(server_args);
        auto created = server->admin("POST", "/api/tunnels", R"({"domain":"db","mode":"tcp"})");
        ASSERT_EQ(created.status, 200) << created.body;
        const std::string token(json::parse(created.body).at("token").as_string());
        std::vector<std::string> client_args{"--tcp-target", tcp_target};
        if (GetParam() == 1) client_args.push_back("--no-protocol-2");
        client = start_client(*server, token, "http://127.0.0.1:9", client_args);  // the HTTP target is unused
        ASSERT_TRUE(server->wait_connected("db"));
    }

    // The envelope (HTTP 200 always), with exactly the HTTP-mode fields.
    json::object forward(const std::string& envelope) {
        auto r = server->admin("POST", "/api/tunnels/db/forward", envelope);
        EXPECT_EQ(r.status, 200) << r.body;
        auto v = json::parse(r.body).as_object();
        std::set<std::string> fields;
        for (const auto& kv : v) fields.insert(std::string(kv.key()));
        EXPECT_EQ(fields, envelope_fields) << r.body;
        return v;
    }

    // Live TCP connections of the tunnel, as the admin API shows them (-1: offline).
    std::int64_t live_connections() {
        auto v = json::parse(server->admin("GET", "/api/tunnels/db").body);
        auto live = v.at("live");
        return live.is_null() ? -1 : live.at("tcp_connections").to_number<std::int64_t>();
    }

    // The server forgot the forward's stream (polled, bounded).
    bool stream_closed() {
        for (int i = 0; i < 400; ++i) {
            if (live_connections() == 0) return true;
            std::this_thread::sleep_for(25ms);
        }
        return false;
    }

    std::unique_ptr<tunely_server_process> server;
    std::unique_ptr<child_process> client;
};

TEST_P(tcp_forward, http_response_of_the_target) {
    // An HTTP/1.0-style answer: no Content-Length, the body ends with the connection.
    scripted_target target({"\r\n\r\n", "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Answer: 42\r\n\r\nmade it"});
    start(target.address());
    auto v = forward(R"({"body":"GET /x HTTP/1.1\r\nHost: db\r\n\r\n","timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(201)) << v;
    EXPECT_EQ(v.at("body"), json::value("made it")) << v;
    EXPECT_TRUE(v.at("error").is_null()) << v;
    const auto& headers = v.at("headers").as_object();
    ASSERT_TRUE(headers.contains("X-Answer")) << v;
    EXPECT_EQ(headers.at("X-Answer"), json::value("42"));
    EXPECT_EQ(target.received(), "GET /x HTTP/1.1\r\nHost: db\r\n\r\n");
    EXPECT_TRUE(stream_closed());
}

TEST_P(tcp_forward, json_answer_is_parsed_and_json_payload_sent_as_text) {
    scripted_target target({"}", R"({"ok":true,"items":[1,2]})"});
    start(target.address());
    auto v = forward(R"({"body":{"cmd":"get","n":1},"timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(200)) << v;
    EXPECT_EQ(v.at("body"), json::parse(R"({"ok":true,"items":[1,2]})")) << v;
    EXPECT_TRUE(v.at("error").is_null()) << v;
    EXPECT_TRUE(v.at("headers").as_object().empty()) << v;
    EXPECT_EQ(json::parse(target.received()), json::parse(R"({"cmd":"get","n":1})")) << target.received();
}

TEST_P(tcp_forward, plain_text_answer_without_payload) {
    scripted_target target({"", "hello, plain text\n"});  // answers at once, before any byte arrived
    start(target.address());
    auto v = forward(R"({"body":null,"timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(200)) << v;
    EXPECT_EQ(v.at("body"), json::value("hello, plain text\n")) << v;
    EXPECT_TRUE(v.at("error").is_null()) << v;
    EXPECT_EQ(target.received(), "");
}

TEST_P(tcp_forward, answer_that_is_not_utf8) {
    scripted_target target({"", std::string("\xff\xfe\x01", 3)});
    start(target.address());
    auto v = forward(R"({"timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(200)) << v;
    EXPECT_TRUE(v.at("body").is_null()) << v;
    EXPECT_EQ(v.at("error"), json::value("Response body is not UTF-8 text")) << v;
}

TEST_P(tcp_forward, target_refused_is_502_with_the_clients_error) {
    start(refused_address());
    auto v = forward(R"({"body":"hi","timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(502)) << v;
    EXPECT_TRUE(v.at("body").is_null()) << v;
    ASSERT_TRUE(v.at("error").is_string()) << v;
    // The client's own words (ours: "Target … failed/unavailable: Connection refused"), as the original
    // puts its client's tcp_close error there.
    EXPECT_NE(std::string(v.at("error").get_string()).find("Connection refused"), std::string::npos) << v;
    EXPECT_TRUE(stream_closed());
}

TEST_P(tcp_forward, target_that_never_answers_times_out) {
    scripted_target target({"never sent", "", true});
    start(target.address());
    auto t0 = std::chrono::steady_clock::now();
    auto v = forward(R"({"body":"anyone?","timeout":1})");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s) << "the envelope's timeout bounds the call";
    EXPECT_EQ(v.at("status"), json::value(504)) << v;
    EXPECT_TRUE(v.at("body").is_null()) << v;
    EXPECT_EQ(v.at("error"), json::value("TCP forward timeout")) << v;
    EXPECT_EQ(target.received(), "anyone?");
    EXPECT_TRUE(stream_closed()) << "the stream is closed at the timeout";
}

TEST_P(tcp_forward, more_than_the_cap_is_502) {
    scripted_target target({"", std::string(100 * 1024, 'x'), true});
    start(target.address(), {"--tcp-forward-max-buffer", "65536"});
    auto v = forward(R"({"timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(502)) << v;
    EXPECT_TRUE(v.at("body").is_null()) << v;
    EXPECT_EQ(v.at("error"), json::value("response too large")) << v;
    EXPECT_TRUE(stream_closed()) << "the stream is closed once the cap is passed";
}

TEST_P(tcp_forward, cap_exactly_reached_is_fine) {
    scripted_target target({"", std::string(65536, 'x')});
    start(target.address(), {"--tcp-forward-max-buffer", "65536"});
    auto v = forward(R"({"timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(200)) << v;
    EXPECT_EQ(v.at("body"), json::value(std::string(65536, 'x')));
}

TEST_P(tcp_forward, original_cap_variable_when_ours_is_not_set) {
    if (GetParam() != 2) GTEST_SKIP() << "a server option: one protocol is enough";
    scripted_target target({"", std::string(2000, 'x')});
    ::setenv("WS_TUNNEL_TCP_FORWARD_MAX_BUFFER_BYTES", "1000", 1);  // inherited by the server process
    start(target.address());
    ::unsetenv("WS_TUNNEL_TCP_FORWARD_MAX_BUFFER_BYTES");
    auto v = forward(R"({"timeout":30})");
    EXPECT_EQ(v.at("status"), json::value(502)) << v;
    EXPECT_EQ(v.at("error"), json::value("response too large")) << v;
}

// Protocol 2 ends our direction after the payload: a target that answers at its end of input (the echo
// target writes its trailer and closes) completes the forward. 1.1 has no half-close and, as the
// original, never closes first: the same target runs into the timeout, and the connection is then closed.
TEST_P(tcp_forward, end_of_input_reaches_the_target_on_protocol_2_only) {
    tcp_echo_target target;
    start(target.address());
    auto v = forward(R"({"body":"ping","timeout":3})");
    if (GetParam() == 2) {
        EXPECT_EQ(v.at("status"), json::value(200)) << v;
        EXPECT_EQ(v.at("body"), json::value("ping" + echo_trailer(4))) << v;
        EXPECT_TRUE(v.at("error").is_null()) << v;
    } else {
        EXPECT_EQ(v.at("status"), json::value(504)) << v;
        EXPECT_EQ(v.at("error"), json::value("TCP forward timeout")) << v;
        for (int i = 0; i < 400 && target.open_connections() > 0; ++i) std::this_thread::sleep_for(25ms);
        EXPECT_EQ(target.open_connections(), 0) << "tcp_close reached the client, which closed the target";
    }
    EXPECT_TRUE(stream_closed());
}

TEST_P(tcp_forward, tunnel_lost_is_502) {
    scripted_target target({"never sent", "", true});
    start(target.address());
    auto call = std::async(std::launch::async, [this] { return forward(R"({"body":"x","timeout":60})"); });
    for (int i = 0; i < 400 && target.open_connections() == 0; ++i) std::this_thread::sleep_for(25ms);
    ASSERT_EQ(target.open_connections(), 1) << "the forward reached the target";
    client->signal(SIGKILL);
    ASSERT_EQ(call.wait_for(30s), std::future_status::ready) << "the forward ends with the tunnel";
    auto v = call.get();
    EXPECT_EQ(v.at("status"), json::value(502)) << v;
    EXPECT_EQ(v.at("error"), json::value("tunnel disconnected")) << v;
}

TEST_P(tcp_forward, body_may_be_any_json_only_in_tcp_mode) {
    scripted_target target({"", "ok"});
    start(target.address());
    EXPECT_EQ(forward(R"({"body":[1,"two"],"timeout":30})").at("body"), json::value("ok"));
    // The same envelope for an HTTP-mode tunnel is refused, as before.
    auto updated = server->admin("PUT", "/api/tunnels/db", R"({"mode":"http"})");
    ASSERT_EQ(updated.status, 200) << updated.body;
    auto r = server->admin("POST", "/api/tunnels/db/forward", R"({"body":[1,"two"]})");
    EXPECT_EQ(r.status, 400) << r.body;
}

INSTANTIATE_TEST_SUITE_P(protocols, tcp_forward, ::testing::Values(2, 1),
                         [](const auto& info) { return info.param == 2 ? "v2" : "v1_1"; });

}  // namespace
}  // namespace tunely::test
