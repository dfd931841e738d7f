// tunely server --threads N: sessions live on the I/O thread their connection arrived on, and caller
// connections move to their tunnel's thread (a plain connection for good, a TLS one per request). These run the
// real binary with more threads than tunnels spread over, and check that every answer comes from the right
// tunnel, that keep-alive connections hopping between tunnels on different threads stay correct, and that the
// cross-thread paths (force takeover, admin disconnect, shutdown with moved idle connections) behave as on one
// thread.
#include <csignal>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "http_client.hpp"
#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

constexpr int tunnel_count = 5;

std::string tunnel_name(int i) { return "thr" + std::to_string(i); }

// One keep-alive connection sending requests one after another (blocking, bounded by socket timeouts).
class keep_alive_caller {
public:
    explicit keep_alive_caller(std::uint16_t port) : socket_(io_) {
        socket_.connect({asio::ip::make_address("127.0.0.1"), port});
        const timeval tv{10, 0};
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }

    // GET `target`; the status and body, or status 0 when the connection failed.
    std::pair<unsigned, std::string> get(const std::string& target) {
        http::request<http::empty_body> req(http::verb::get, target, 11);
        req.set(http::field::host, "127.0.0.1");
        boost::system::error_code ec;
        http::write(socket_, req, ec);
        if (ec) return {0, ec.message()};
        http::response<http::string_body> res;
        http::read(socket_, buffer_, res, ec);
        if (ec) return {0, ec.message()};
        return {res.result_int(), res.body()};
    }

private:
    asio::io_context io_;
    asio::ip::tcp::socket socket_;
    beast::flat_buffer buffer_;
};

std::string echoed_target(const std::string& body) {
    try {
        return std::string(json::parse(body).at("target").as_string());
    } catch (const std::exception&) {
        return "<not an echo: " + body.substr(0, 200) + ">";
    }
}

struct threaded_stack {
    explicit threaded_stack(std::vector<std::string> server_args) : server(std::move(server_args)) {
        for (int i = 0; i < tunnel_count; ++i) {
            const auto name = tunnel_name(i);
            tokens.push_back(server.create_tunnel(name));
            clients.push_back(start_client(server, tokens.back(), target.url() + "/echo/" + name));
        }
        for (int i = 0; i < tunnel_count; ++i)
            if (!server.wait_connected(tunnel_name(i))) throw std::runtime_error(clients[i]->output());
    }
    test_target target;
    tunely_server_process server;
    std::vector<std::string> tokens;
    std::vector<std::unique_ptr<child_process>> clients;
};

TEST(server_threads, keep_alive_callers_hopping_between_tunnels_get_every_answer_from_the_right_tunnel) {
    threaded_stack stack({"--threads", "4"});
    std::atomic<int> wrong{0}, failed{0}, answered{0};
    std::string first_problem;
    std::mutex problem_mutex;
    auto note = [&](const std::string& what) {
        std::lock_guard lock(problem_mutex);
        if (first_problem.empty()) first_problem = what;
    };
    // Each caller walks the tunnels in its own order on one connection: its connection moves between the
    // sessions' threads at almost every request.
    std::vector<std::thread> callers;
    for (int c = 0; c < 6; ++c) {
        callers.emplace_back([&, c] {
            keep_alive_caller caller(stack.server.port());
            for (int i = 0; i < 60; ++i) {
                const auto name = tunnel_name((i * (c + 1) + c) % tunnel_count);
                const auto path = "/x?c=" + std::to_string(c) + "&i=" + std::to_string(i);
                auto [status, body] = caller.get("/t/" + name + path);
                if (status != 200) {
                    ++failed;
                    note(name + path + ": status " + std::to_string(status) + " " + body);
                    return;
                }
                if (echoed_target(body) != "/echo/" + name + path) {
                    ++wrong;
                    note(name + path + " answered with " + body.substr(0, 200));
                }
                ++answered;
            }
        });
    }
    for (auto& t : callers) t.join();
    EXPECT_EQ(failed.load(), 0) << first_problem << "\n" << stack.server.process().output();
    EXPECT_EQ(wrong.load(), 0) << first_problem;
    EXPECT_EQ(answered.load(), 6 * 60);

    // The request counts the admin API reads across threads add up.
    std::int64_t requests = 0;
    for (int i = 0; i < tunnel_count; ++i) {
        auto r = stack.server.admin("GET", "/api/tunnels/" + tunnel_name(i));
        ASSERT_EQ(r.status, 200u) << r.body;
        auto v = json::parse(r.body);
        ASSERT_FALSE(v.at("live").is_null()) << r.body;
        requests += v.at("live").at("requests").as_int64();
    }
    EXPECT_EQ(requests, 6 * 60);
}

TEST(server_threads, one_thread_serves_the_same) {
    threaded_stack stack({"--threads", "1"});
    keep_alive_caller caller(stack.server.port());
    for (int i = 0; i < 20; ++i) {
        const auto name = tunnel_name(i % tunnel_count);
        auto [status, body] = caller.get("/t/" + name + "/y");
        ASSERT_EQ(status, 200u) << body;
        EXPECT_EQ(echoed_target(body), "/echo/" + name + "/y");
    }
}

TEST(server_threads, admin_disconnect_and_force_takeover_reach_sessions_on_other_threads) {
    threaded_stack stack({"--threads", "3"});
    auto& out = stack.server.process();
    // Disabling closes the session wherever it runs.
    auto r = stack.server.admin("PATCH", "/api/tunnels/" + tunnel_name(1), R"({"enabled": false})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_TRUE(stack.server.wait_connected(tunnel_name(1), false)) << out.output();
    EXPECT_TRUE(out.wait_for("tunnel thr1 disconnected [^\n]*closed \\(Tunnel disabled\\)", std::chrono::seconds(10)))
        << out.output();

    // A forced connection replaces the live session, whichever thread each is on.
    auto forced = start_client(stack.server, stack.tokens[3], stack.target.url() + "/echo/forced", {"--force"});
    EXPECT_TRUE(out.wait_for("tunnel thr3 disconnected [^\n]*closed \\(New connection \\(force\\)\\)",
                             std::chrono::seconds(10)))
        << out.output();
    http_call c;
    c.target = "/t/" + tunnel_name(3) + "/z";
    std::string seen;
    for (int attempt = 0; attempt < 50 && seen != "/echo/forced/z"; ++attempt) {  // until the new session serves
        auto answer = http_request(stack.server.port(), c);
        seen = answer.status == 200 ? echoed_target(answer.body) : std::to_string(answer.status);
        if (seen != "/echo/forced/z") std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(seen, "/echo/forced/z") << forced->output();
}

TEST(server_threads, shutdown_ends_idle_connections_that_moved_to_other_threads) {
    threaded_stack stack({"--threads", "4", "--shutdown-grace", "5"});
    std::vector<std::unique_ptr<keep_alive_caller>> idle;
    for (int i = 0; i < 8; ++i) {
        idle.push_back(std::make_unique<keep_alive_caller>(stack.server.port()));
        auto [status, body] = idle.back()->get("/t/" + tunnel_name(i % tunnel_count) + "/idle");
        ASSERT_EQ(status, 200u) << body;
    }
    const auto signalled = std::chrono::steady_clock::now();
    stack.server.process().signal(SIGTERM);
    auto code = stack.server.process().wait_exit(std::chrono::seconds(15));
    ASSERT_TRUE(code.has_value()) << stack.server.process().output();
    EXPECT_EQ(*code, 0) << stack.server.process().output();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(4)) << stack.server.process().output();
    EXPECT_EQ(stack.server.process().output().find("did not end in time"), std::string::npos)
        << stack.server.process().output();
}

}  // namespace
}  // namespace tunely::test
