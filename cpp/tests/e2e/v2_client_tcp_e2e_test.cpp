// Raw TCP streams (spec/PROTOCOL.md §2.15, capability tunely/2+tcp): our `tunely connect` against a
// hand-made protocol-2 server (tests/support/fake_v2_server.hpp: it keeps the rules a real server must and
// flags every frame the client sends against them), and targets that are plain sockets on loopback.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "test_target.hpp"
#include "tunely/client/tunnel_client.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "fake_v2_server.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace v2 = protocol::v2;
using namespace std::chrono_literals;

// ------------------------------------------------------------------ targets: plain sockets

class socket_fd {
public:
    socket_fd() = default;
    explicit socket_fd(int fd) : fd_(fd) {}
    socket_fd(socket_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    socket_fd& operator=(socket_fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~socket_fd() { reset(); }
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

// A listening socket on 127.0.0.1 (or ::1) with an ephemeral port. With backlog 0 one connection fills the
// accept queue: further connects hang (their SYNs are dropped) until it is accepted.
struct listener {
    socket_fd fd;
    std::uint16_t port = 0;

    static std::optional<listener> open(bool ipv6 = false, int backlog = 128) {
        listener l;
        l.fd = socket_fd(::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0));
        if (!l.fd) return std::nullopt;
        int one = 1;
        ::setsockopt(l.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_storage ss{};
        socklen_t len;
        if (ipv6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_addr = in6addr_loopback;
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            len = sizeof *a;
        }
        if (::bind(l.fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return std::nullopt;
        if (::listen(l.fd.get(), backlog) != 0) return std::nullopt;
        if (::getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
        l.port = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                            : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
        return l;
    }

    std::string host_port() const { return "127.0.0.1:" + std::to_string(port); }
    std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port); }

    // The next connection, or an empty socket when none arrived within `timeout`.
    socket_fd accept_within(std::chrono::milliseconds timeout) const {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
        return socket_fd(::accept(fd.get(), nullptr, nullptr));
    }
};

// Connects to 127.0.0.1:port (blocking).
socket_fd connect_loopback(std::uint16_t port) {
    socket_fd fd(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
    return fd;
}

// A thread working on socket `fd`: when the test ends early (a failed assertion, an exception), the
// socket is shut down first, which unblocks the thread, and then it is joined.
struct socket_thread {
    template <class F>
    socket_thread(int fd, F f) : fd(fd), thread(std::move(f)) {}
    ~socket_thread() {
        if (!thread.joinable()) return;
        ::shutdown(fd, SHUT_RDWR);
        thread.join();
    }
    void join() { thread.join(); }
    int fd;
    std::thread thread;
};

enum class ending { eof, reset, timeout };

// Reads into `out` until the peer's EOF, an error (a reset) or the deadline.
ending read_all(int fd, std::string& out, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return ending::timeout;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) != 1) continue;
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) return ending::eof;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return ending::reset;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

// Reads exactly `n` bytes (false on EOF, error or deadline).
bool read_exactly(int fd, std::string& out, std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[65536];
    while (out.size() < n) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return false;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) != 1) continue;
        auto got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
        if (got <= 0) return false;
        out.append(buf, static_cast<std::size_t>(got));
    }
    return true;
}

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// ------------------------------------------------------------------ tests

TEST(v2_client_tcp, offers_the_capability_and_relays_megabytes_both_ways_within_the_windows) {
    auto target = listener::open();
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());  // no --tcp-target: the target URL's host and port
    json::object auth;
    ASSERT_NO_THROW(auth = server.accept({protocol::capability_tcp}));
    EXPECT_TRUE(has_capability(auth, protocol::capability_v2)) << json::serialize(auth);
    EXPECT_TRUE(has_capability(auth, protocol::capability_tcp)) << json::serialize(auth);
    EXPECT_TRUE(has_capability(auth, protocol::capability_v1_tcp)) << "for 1.1 sessions: " << json::serialize(auth);

    server.auto_window(false);  // first: no credit back, the client must stop at one window
    const auto id = server.open_raw(v2::method_tcp);
    auto conn = target->accept_within(10s);
    ASSERT_TRUE(conn) << client->output();
    auto head = server.wait(id, answered);
    ASSERT_EQ(head.status, 200u) << (head.reset ? head.reset->message : "no answer");
    EXPECT_FALSE(head.response_end_stream);
    EXPECT_TRUE(head.response_headers.empty());

    const std::string down = deterministic_bytes(3 * 1024 * 1024 + 12345, 1);  // target → server
    const std::string up = deterministic_bytes(4 * 1024 * 1024 + 777, 2);      // server → target
    std::string target_got;
    ending target_end = ending::timeout;
    socket_thread target_writer(conn.get(), [&] {
        write_all(conn.get(), down);
        ::shutdown(conn.get(), SHUT_WR);
    });
    socket_thread target_reader(conn.get(), [&] { target_end = read_all(conn.get(), target_got, 60s); });

    server.wait(id, [](const fake_stream& s) { return s.received.size() >= protocol::v2_initial_window; });
    std::this_thread::sleep_for(300ms);  // would more come without credit?
    EXPECT_EQ(server.state(id).received.size(), protocol::v2_initial_window) << "the client must wait for WINDOW";
    server.auto_window(true);

    EXPECT_TRUE(server.send_data(id, up, true));
    auto done = server.wait(id, [&](const fake_stream& s) { return s.ended || s.reset; }, 60s);
    target_writer.join();
    target_reader.join();
    EXPECT_EQ(target_end, ending::eof) << "the server's END_STREAM half-closes the target connection";
    EXPECT_TRUE(target_got == up) << "target got " << target_got.size() << " of " << up.size() << " bytes";
    EXPECT_TRUE(done.ended);
    EXPECT_TRUE(done.received == down) << "server got " << done.received.size() << " of " << down.size() << " bytes";
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(server.state(id).reset.has_value()) << "both directions ended: no RESET";
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_tcp, data_sent_before_the_response_is_held_and_delivered) {
    // Backlog 0 and one connection nobody accepts: the client's connect hangs until we accept that one.
    auto target = listener::open(false, 0);
    ASSERT_TRUE(target);
    auto filler = connect_loopback(target->port);
    ASSERT_TRUE(filler);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp, {}, 0,
                                    {v2::encode_data(1, "early ", false), v2::encode_data(1, "bytes", true)});
    ASSERT_EQ(id, 1u);
    std::this_thread::sleep_for(400ms);
    EXPECT_FALSE(answered(server.state(id))) << "the connect cannot have completed yet";
    auto first = target->accept_within(5s);  // frees the queue: the client's next SYN gets in
    ASSERT_TRUE(first);
    auto conn = target->accept_within(10s);
    ASSERT_TRUE(conn) << client->output();
    EXPECT_EQ(server.wait(id, answered).status, 200u);
    std::string got;
    EXPECT_EQ(read_all(conn.get(), got, 10s), ending::eof);
    EXPECT_EQ(got, "early bytes");
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_tcp, half_close_lets_the_target_answer_after_our_end_and_reports_the_peer) {
    auto target = listener::open();
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp, {{"tunely-peer", "203.0.113.9:5555"}});
    auto conn = target->accept_within(10s);
    ASSERT_TRUE(conn) << client->output();
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    std::string asked;
    ending seen = ending::timeout;
    socket_thread echo(conn.get(), [&] {  // reads to EOF, then answers and ends its side
        seen = read_all(conn.get(), asked, 10s);
        write_all(conn.get(), "echo:" + asked);
        ::shutdown(conn.get(), SHUT_WR);
    });
    EXPECT_TRUE(server.send_data(id, "ping-1", false));
    EXPECT_TRUE(server.send_data(id, "", true));
    auto s = server.wait(id, [](const fake_stream& st) { return st.ended || st.reset; });
    echo.join();
    EXPECT_EQ(seen, ending::eof);
    EXPECT_EQ(s.received, "echo:ping-1");
    EXPECT_TRUE(s.ended);
    EXPECT_FALSE(s.reset.has_value());
    EXPECT_EQ(server.first_violation(), "");
    // Reported once it ended: method TCP, the external peer, 200.
    EXPECT_TRUE(client->wait_for(R"(TCP 203\.0\.113\.9:5555 200 \d+ ms)", 5s)) << client->output();
}

TEST(v2_client_tcp, target_eof_first_then_the_server_still_sends_until_its_end) {
    auto target = listener::open();
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp);
    auto conn = target->accept_within(10s);
    ASSERT_TRUE(conn);
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    ASSERT_TRUE(write_all(conn.get(), "banner\n"));
    ::shutdown(conn.get(), SHUT_WR);  // the target is done talking, not listening
    auto s = server.wait(id, [](const fake_stream& st) { return st.ended || st.reset; });
    EXPECT_EQ(s.received, "banner\n");
    EXPECT_TRUE(s.ended);
    EXPECT_TRUE(server.send_data(id, "after your end", true));
    std::string got;
    EXPECT_EQ(read_all(conn.get(), got, 10s), ending::eof);
    EXPECT_EQ(got, "after your end");
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(server.state(id).reset.has_value());
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_tcp, refused_target_is_reset_target_unavailable) {
    std::uint16_t closed_port;
    {
        auto l = listener::open();
        ASSERT_TRUE(l);
        closed_port = l->port;
    }
    fake_v2_server server;
    auto client = connect_to(server, "http://127.0.0.1:" + std::to_string(closed_port));
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp);
    auto s = server.wait_reset(id);
    ASSERT_TRUE(s.reset.has_value()) << client->output();
    EXPECT_EQ(s.reset->code, v2::reset_code::target_unavailable);
    EXPECT_TRUE(s.reset->message.starts_with("Target service unavailable: ")) << s.reset->message;
    EXPECT_FALSE(s.status.has_value());
    EXPECT_TRUE(client->wait_for(R"(TCP / 0 \d+ ms Target service unavailable)", 5s)) << client->output();
}

TEST(v2_client_tcp, connect_beyond_the_open_deadline_is_reset_target_timeout) {
    auto target = listener::open(false, 0);
    ASSERT_TRUE(target);
    auto filler = connect_loopback(target->port);  // the queue is full: connects hang
    ASSERT_TRUE(filler);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto started = std::chrono::steady_clock::now();
    const auto id = server.open_raw(v2::method_tcp, {}, 300);
    auto s = server.wait_reset(id);
    ASSERT_TRUE(s.reset.has_value());
    EXPECT_EQ(s.reset->code, v2::reset_code::target_timeout) << s.reset->message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "bounded by the OPEN's 300 ms, not the 10 s default";
}

TEST(v2_client_tcp, raw_udp_and_unknown_kinds_are_refused) {
    auto target = listener::open();
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    for (const std::string& kind : {std::string(v2::method_udp), std::string("SCTP")}) {
        const auto id = server.open_raw(kind);
        auto s = server.wait_reset(id);
        ASSERT_TRUE(s.reset.has_value()) << kind;
        EXPECT_EQ(s.reset->code, v2::reset_code::refused) << kind;
        EXPECT_NE(s.reset->message.find("not supported"), std::string::npos) << s.reset->message;
    }
    EXPECT_FALSE(target->accept_within(300ms)) << "a refused stream connects nowhere";
    // The session goes on: a TCP stream still works.
    const auto id = server.open_raw(v2::method_tcp);
    EXPECT_TRUE(target->accept_within(10s));
    EXPECT_EQ(server.wait(id, answered).status, 200u);
}

TEST(v2_client_tcp, raw_tcp_is_refused_unless_the_server_echoed_the_capability) {
    auto target = listener::open();
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({}));
    const auto id = server.open_raw(v2::method_tcp);
    auto s = server.wait_reset(id);
    ASSERT_TRUE(s.reset.has_value());
    EXPECT_EQ(s.reset->code, v2::reset_code::refused);
    EXPECT_NE(s.reset->message.find("not supported"), std::string::npos) << s.reset->message;
    EXPECT_FALSE(target->accept_within(300ms));
}

TEST(v2_client_tcp, server_reset_closes_the_target_connection_at_once) {
    auto target = listener::open();
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp);
    auto conn = target->accept_within(10s);
    ASSERT_TRUE(conn);
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    EXPECT_TRUE(server.send_data(id, "x", false));
    std::string got;
    ASSERT_TRUE(read_exactly(conn.get(), got, 1, 10s));
    server.send(v2::reset{id, v2::reset_code::cancel, "caller went away"});
    const auto reset_at = std::chrono::steady_clock::now();
    std::string rest;
    auto end = read_all(conn.get(), rest, 10s);
    EXPECT_NE(end, ending::timeout) << "the target connection must be closed";
    EXPECT_LT(std::chrono::steady_clock::now() - reset_at, 2s);
    EXPECT_TRUE(rest.empty());
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(server.state(id).reset.has_value()) << "no RESET in answer to a RESET";
    EXPECT_EQ(server.first_violation(), "");
}

TEST(v2_client_tcp, target_write_failure_is_reset_target_error) {
    auto target = listener::open();
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp);
    auto conn = target->accept_within(10s);
    ASSERT_TRUE(conn);
    ASSERT_EQ(server.wait(id, answered).status, 200u);
    linger hard{1, 0};  // close with RST: the client's next write fails
    ::setsockopt(conn.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    conn.reset();
    auto s = server.wait(id, [](const fake_stream& st) { return st.reset.has_value(); });
    if (!s.reset) {  // the RST may not have been read yet: writing makes it show
        for (int i = 0; i < 20 && !server.state(id).reset; ++i) server.send_data(id, "more", false);
        s = server.wait_reset(id);
    }
    ASSERT_TRUE(s.reset.has_value());
    EXPECT_EQ(s.reset->code, v2::reset_code::target_error) << s.reset->message;
}

TEST(v2_client_tcp, tcp_target_overrides_the_target_url) {
    auto http_target = listener::open();
    auto tcp_target = listener::open();
    ASSERT_TRUE(http_target && tcp_target);
    fake_v2_server server;
    auto client = connect_to(server, http_target->http_url(), {"--tcp-target", tcp_target->host_port()});
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp);
    auto conn = tcp_target->accept_within(10s);
    ASSERT_TRUE(conn) << client->output();
    EXPECT_EQ(server.wait(id, answered).status, 200u);
    EXPECT_FALSE(http_target->accept_within(300ms)) << "raw TCP goes to --tcp-target, not the target URL";
    ASSERT_TRUE(write_all(conn.get(), "hi"));
    auto s = server.wait(id, [](const fake_stream& st) { return st.received.size() >= 2; });
    EXPECT_EQ(s.received, "hi");
}

TEST(v2_client_tcp, tcp_target_takes_ipv6_in_brackets) {
    auto target = listener::open(true);
    if (!target) GTEST_SKIP() << "no IPv6 loopback";
    test_target http;
    fake_v2_server server;
    auto client = connect_to(server, http.url(), {"--tcp-target", "[::1]:" + std::to_string(target->port)});
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    const auto id = server.open_raw(v2::method_tcp);
    auto conn = target->accept_within(10s);
    ASSERT_TRUE(conn) << client->output();
    EXPECT_EQ(server.wait(id, answered).status, 200u);
}

TEST(v2_client_tcp, bad_tcp_target_is_refused_at_startup) {
    for (const std::string bad : {"no-port", "::1:22", "host:0", "host:65536", "host:", ":22", "[::1]22", "[nope]:22"}) {
        child_process c(tunely_binary(), {"connect", "--server", "ws://127.0.0.1:1/ws/tunnel", "--token",
                                          "tun_" + std::string(43, 'A'), "--tcp-target", bad});
        EXPECT_EQ(c.wait_exit(10s), 2) << bad << ": " << c.output();
        EXPECT_NE(c.output().find("--tcp-target"), std::string::npos) << c.output();
    }
}

TEST(v2_client_tcp, connections_per_session_are_capped) {
    auto target = listener::open(false, 4096);  // the kernel completes the connects; nobody needs to accept
    ASSERT_TRUE(target);
    fake_v2_server server;
    auto client = connect_to(server, target->http_url());
    ASSERT_NO_THROW(server.accept({protocol::capability_tcp}));
    constexpr std::size_t cap = client::max_tcp_connections, extra = 5;
    std::vector<v2::stream_id> ids;
    for (std::size_t i = 0; i < cap + extra; ++i) ids.push_back(server.open_raw(v2::method_tcp));
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
    server.send(v2::reset{ids.front(), v2::reset_code::cancel, ""});  // one slot frees
    const auto again = server.open_raw(v2::method_tcp);
    EXPECT_EQ(server.wait(again, answered, 30s).status, 200u);
}

}  // namespace
}  // namespace tunely::test
