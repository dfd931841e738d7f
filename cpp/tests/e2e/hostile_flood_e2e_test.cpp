// Floods against the real server, each with its resident memory watched and a
// bystander tunnel that must keep serving: hundreds of callers dripping request
// heads byte by byte (slowloris) against --header-timeout; requests pipelined
// on one connection (answered in order, a body never read as a request); a
// protocol-2 client sending OPEN frames it may not send, up to a million, and
// never reading the answers; 2 000 concurrent callers against one tunnel capped by
// --max-streams-per-session. The memory bound: 64 MiB above the idle RSS.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <sstream>

#include "hostile_peers.hpp"
#include "test_target.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
using namespace hostile;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t bound_kib = 64 * 1024;

// Checks the attack's cost against the bound and prints the figures.
void expect_rss_bounded(std::size_t idle, std::size_t peak, const std::string& what) {
    const std::size_t above = peak > idle ? peak - idle : 0;
    EXPECT_LT(above, bound_kib) << what << ": idle " << idle << " KiB, peak " << peak << " KiB";
    std::cout << "[ rss      ] " << what << ": idle " << idle << " KiB, peak " << peak << " KiB (+" << above
              << " KiB)\n";
}

// `body` as one chunk and the last chunk.
std::string chunked(const std::string& body) {
    std::ostringstream out;
    out << std::hex << body.size() << "\r\n" << body << "\r\n0\r\n\r\n";
    return out.str();
}

std::size_t count(const std::vector<unsigned>& statuses, unsigned status) {
    return static_cast<std::size_t>(std::count(statuses.begin(), statuses.end(), status));
}

// --- slowloris -------------------------------------------------------------------------------------------

TEST(hostile_flood, slowloris_callers_are_cut_at_the_header_timeout_while_others_are_served) {
    constexpr std::size_t drippers = 300;
    ASSERT_TRUE(raise_fd_limit(4096));
    tunely_server_process server({"--header-timeout", "2"});
    bystander other(server);
    const auto pid = server.process().pid();
    const auto idle = rss_kib(pid);
    rss_watch watch(pid);
    // A head that never ends: a field value of 1000 bytes, one byte every 500 ms.
    const std::string head = "GET /t/bystander/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(1000, 'a');
    caller_swarm swarm(server.port(), std::vector<std::string>(drippers, head), milliseconds(500), seconds(10));
    swarm.wait_started();

    auto r = other.get(server);
    const std::size_t still_dripping = drippers - swarm.ended();
    EXPECT_EQ(r.status, 200u) << r.error;
    EXPECT_GT(still_dripping, 0u) << "the bystander was answered only once the attack was over";

    const auto& callers = swarm.finish();  // every caller ended, or 10 s passed
    const auto peak = watch.finish();
    std::size_t cut = 0;
    milliseconds shortest{0}, longest{0};
    for (const auto& c : callers) {
        ASSERT_TRUE(c.connected);
        EXPECT_EQ(c.received, "") << "a head that never ends gets no answer, only a close";
        if (!c.ended) continue;
        shortest = cut++ == 0 ? c.lifetime() : std::min(shortest, c.lifetime());
        longest = std::max(longest, c.lifetime());
    }
    EXPECT_EQ(cut, drippers) << "connections still dripping 10 s after connecting (header timeout 2 s)";
    std::cout << "[ slowloris] " << cut << "/" << drippers << " cut after " << shortest.count() << "–"
              << longest.count() << " ms; bystander answered with " << still_dripping << " still dripping\n";
    expect_rss_bounded(idle, peak, "300 slowloris callers");
    other.expect_served(server);
}

TEST(hostile_flood, a_keep_alive_caller_must_send_its_next_head_within_the_header_timeout) {
    tunely_server_process server({"--header-timeout", "2"});
    bystander other(server);
    raw_connection caller(server.port());
    caller.write("GET /t/bystander/echo/first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    auto first = caller.read_response();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->result_int(), 200u);
    caller.write("GET /t/bystander/echo/second HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");  // and nothing more
    EXPECT_TRUE(caller.wait_closed(seconds(10))) << "the deadline restarts after a response, it does not vanish";
}

// --- pipelining --------------------------------------------------------------------------------------------

// A real `tunely connect` whose target echoes each request; the parameter: protocol 2 (else 1.1).
class pipelining : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        std::vector<std::string> extra;
        if (!GetParam()) extra.push_back("--no-protocol-2");
        client_ = start_client(server_, server_.create_tunnel("pipe"), target_.url(), extra);
        ASSERT_TRUE(server_.wait_connected("pipe")) << client_->output();
        auto live = json::parse(server_.admin("GET", "/api/tunnels/pipe").body).at("live");
        ASSERT_EQ(live.at("protocol").as_string(), GetParam() ? "2" : "1.1");
    }
    static std::string get(const std::string& path) {
        return "GET /t/pipe" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }
    // The next response must be the /echo answer for `path`.
    static void expect_echo(raw_connection& caller, const std::string& path) {
        auto r = caller.read_response();
        ASSERT_TRUE(r) << path;
        ASSERT_EQ(r->result_int(), 200u) << path << ": " << r->body();
        EXPECT_EQ(json::parse(r->body()).at("target").as_string(), path);
    }

    test_target target_;
    tunely_server_process server_;
    std::unique_ptr<child_process> client_;
};

TEST_P(pipelining, three_requests_in_one_write_are_answered_in_order) {
    raw_connection caller(server_.port());
    caller.write(get("/echo/first") + get("/echo/second?n=2") + get("/echo/third/x"));
    expect_echo(caller, "/echo/first");
    expect_echo(caller, "/echo/second?n=2");
    expect_echo(caller, "/echo/third/x");
    caller.write(get("/echo/after"));  // the connection serves on
    expect_echo(caller, "/echo/after");
}

TEST_P(pipelining, a_body_in_the_same_write_is_neither_a_request_nor_swallows_the_next) {
    raw_connection caller(server_.port());
    // Each body is a request head itself: answered as one, it would show up as an extra response.
    const std::string smuggled = get("/echo/smuggled");
    caller.write("POST /t/pipe/echo-body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                 "Content-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled +
                 get("/echo/after-length") +
                 "POST /t/pipe/echo-body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n" + chunked(smuggled) + get("/echo/after-chunked"));
    for (const char* after : {"/echo/after-length", "/echo/after-chunked"}) {
        auto body = caller.read_response();
        ASSERT_TRUE(body);
        EXPECT_EQ(body->result_int(), 200u);
        EXPECT_EQ(body->body(), smuggled);
        expect_echo(caller, after);
    }
    caller.write(get("/echo/last"));  // next in line: no answer to a smuggled request queued before it
    expect_echo(caller, "/echo/last");
}

INSTANTIATE_TEST_SUITE_P(hostile_flood, pipelining, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "v2" : "v1"; });

// --- hostile protocol-2 client ----------------------------------------------------------------------------

// A client may not open streams (spec §2.3): each OPEN is answered with RESET `refused`. This client sends
// OPENs as fast as it can and reads nothing, so the answers pile up behind it. The kernel's loopback socket
// buffers can hold 100 000 answers (about 2.5 MB; measured: all read back, session alive), so the flood goes
// on until the server closes the session (its outbox bound, --max-queued-frames), at most 1 000 000 OPENs.
TEST(hostile_flood, v2_client_floods_open_frames_and_never_reads) {
    constexpr std::size_t opens = 1'000'000;
    tunely_server_process server;
    bystander other(server);
    auto ws = raw_client(server, server.create_tunnel("opens"), true);
    const auto pid = server.process().pid();
    const auto idle = rss_kib(pid);
    rss_watch watch(pid);
    std::atomic<bool> flood_over{false};
    auto traffic = std::async(std::launch::async, [&] { return other.keep_calling(server, flood_over); });

    const auto started = std::chrono::steady_clock::now();
    std::size_t sent = 0;
    try {
        for (v2::stream_id id = 2; sent < opens; id += 2, ++sent)  // even: the ids a client would use
            ws->send_binary(v2::encode(v2::open{id, true, 0, "GET", "/", {}, {}}));
    } catch (const std::exception&) {
        // the server closed the session: one of the two accepted ends of the flood
    }
    const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    flood_over = true;
    const auto statuses = traffic.get();
    other.expect_served(server);
    const auto peak = watch.finish();
    EXPECT_EQ(count(statuses, 200), statuses.size()) << "the bystander failed during the flood";

    // Either the session was closed for not reading, or it lives and owes exactly one RESET per OPEN.
    std::size_t resets = 0;
    std::string end;
    while (resets < sent) {
        auto m = ws->read();
        if (m.closed) {
            end = m.close_reason.empty() ? "closed" : m.close_reason;
            break;
        }
        v2::for_each_frame(m.data, [&](std::string_view bytes) {
            auto f = v2::decode(bytes);
            ASSERT_TRUE(f && std::holds_alternative<v2::reset>(*f)) << "only RESETs answer a client's OPEN";
            EXPECT_EQ(std::get<v2::reset>(*f).code, v2::reset_code::refused);
            ++resets;
        });
    }
    if (!end.empty()) {
        EXPECT_TRUE(server.wait_connected("opens", false));
        EXPECT_TRUE(server.process().wait_for("opens disconnected.*stopped reading", seconds(10)))
            << "closed for another reason than not reading: " << end;
    } else {
        EXPECT_EQ(resets, opens);
        ASSERT_EQ(sent, opens);
    }
    std::cout << "[ flood    ] " << sent << " OPENs sent in " << took.count() << " ms; " << resets
              << " RESETs read; session " << (end.empty() ? "alive" : "closed (" + end + ")") << "; bystander "
              << statuses.size() << " × 200 during the flood\n";
    expect_rss_bounded(idle, peak, "OPEN flood");
}

// 2 000 callers at once against one tunnel whose client holds every stream it is given: the first
// --max-streams-per-session (256) reach the client, every other caller gets 503 at once; once the client
// answers, the held callers get their responses and the tunnel serves as before.
TEST(hostile_flood, two_thousand_concurrent_callers_against_one_capped_tunnel) {
    constexpr std::size_t callers = 2000, cap = 256;
    ASSERT_TRUE(raise_fd_limit(3 * callers));
    tunely_server_process server;
    bystander other(server);
    auto ws = raw_client(server, server.create_tunnel("swarm"), true);
    const auto pid = server.process().pid();
    const auto idle = rss_kib(pid);
    rss_watch watch(pid);

    std::vector<std::string> requests;
    for (std::size_t i = 0; i < callers; ++i)
        requests.push_back("GET /t/swarm/" + std::to_string(i) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    caller_swarm swarm(server.port(), std::move(requests), milliseconds(0), seconds(25));
    std::vector<v2::stream_id> held;
    while (held.size() < cap) {
        auto open = next_v2<v2::open>(*ws);
        ASSERT_TRUE(open) << held.size() << " OPENs so far";
        held.push_back(open->id);
    }
    // The cap is full and stays full: every other caller is refused.
    EXPECT_EQ(swarm.wait_ended(callers - cap), callers - cap);
    other.expect_served(server);
    for (auto id : held) ws->send_binary(v2::encode(v2::response{id, true, 200, {{"Content-Length", "4"}}, "held"}));
    const auto& outcome = swarm.finish();
    const auto peak = watch.finish();

    std::size_t ok = 0, refused = 0, other_outcome = 0;
    for (const auto& c : outcome) {
        if (!c.ended) ++other_outcome;
        else if (c.status() == 200 && c.received.ends_with("held")) ++ok;
        else if (c.status() == 503 && c.received.find("Too many requests in flight") != std::string::npos) ++refused;
        else ++other_outcome;
    }
    EXPECT_EQ(ok, cap);
    EXPECT_EQ(refused, callers - cap);
    EXPECT_EQ(other_outcome, 0u);
    std::cout << "[ swarm    ] " << callers << " callers: " << ok << " × 200 (held), " << refused << " × 503, "
              << other_outcome << " other\n";
    expect_rss_bounded(idle, peak, "2 000 concurrent callers");

    // The callers are gone, their streams released: the tunnel serves again.
    auto after = call(server, "/t/swarm/after");
    auto open = next_v2<v2::open>(*ws);
    ASSERT_TRUE(open);
    EXPECT_EQ(open->target, "/after");
    ws->send_binary(v2::encode(v2::response{open->id, true, 204, {}}));
    EXPECT_EQ(after.get().status, 204u);
    EXPECT_TRUE(server.process().running());
}

}  // namespace
}  // namespace tunely::test
