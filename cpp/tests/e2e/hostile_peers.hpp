#pragma once
// Hostile peers for end-to-end tests against the real `tunely server`: a raw
// tunnel client that says whatever a test wants (both protocols), raw callers
// that write exact bytes (one, a keep-alive connection, or a swarm of thousands
// on one thread), the server's resident memory from /proc, and a bystander
// tunnel that must keep serving through an attack.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "test_target.hpp"
#include "tunely/protocol/v2_batch.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely_stack.hpp"

namespace tunely::test::hostile {
namespace v2 = protocol::v2;

// Authenticates a raw client; with `v2` it offers protocol 2 (plus `extra_caps`).
inline std::unique_ptr<ws_test_client> raw_client(const tunely_server_process& server, const std::string& token,
                                                  bool v2, const std::string& extra_caps = "") {
    auto ws = std::make_unique<ws_test_client>(server.port(), "/ws/tunnel");
    std::string caps = v2 ? R"(,"capabilities":["tunely/2")" + extra_caps + "]" : "";
    ws->send_text(R"({"type":"auth","token":")" + token + "\"" + caps + "}");
    auto ok = boost::json::parse(ws->read().data);
    EXPECT_EQ(ok.at("type").as_string(), "auth_ok");
    return ws;
}

// The next protocol-2 frame of a given type (BATCH taken apart); fails the test on close.
template <class Frame>
std::optional<Frame> next_v2(ws_test_client& ws, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        auto m = ws.read(timeout);
        if (m.closed) {
            ADD_FAILURE() << "session closed: " << m.close_code << " " << m.close_reason;
            return std::nullopt;
        }
        auto frames = v2::is_batch(m.data) ? *v2::split_batch(m.data) : std::vector<std::string_view>{m.data};
        for (auto bytes : frames)
            if (auto f = v2::decode(bytes); f && std::holds_alternative<Frame>(*f)) return std::get<Frame>(*f);
    }
    ADD_FAILURE() << "no such frame before the timeout";
    return std::nullopt;
}

// The next 1.1 `request` frame as JSON.
inline boost::json::object next_v1_request(ws_test_client& ws) {
    for (;;) {
        auto m = ws.read();
        if (m.closed) {
            ADD_FAILURE() << "session closed: " << m.close_reason;
            return {};
        }
        auto v = boost::json::parse(m.data).as_object();
        if (v.at("type").as_string() == "request") return v;
    }
}

inline std::future<http_result> call(const tunely_server_process& server, std::string target,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    return std::async(std::launch::async, [port = server.port(), target, timeout] {
        http_call c;
        c.target = target;
        c.timeout = timeout;
        return http_request(port, c);
    });
}

// A caller on a raw socket: writes `request` as it is, then reads until the
// server closes the connection or `timeout` passes without a byte.
struct raw_reply {
    std::string bytes;
    bool closed_by_server = false;
};
inline raw_reply raw_call(std::uint16_t port, const std::string& request,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    namespace asio = boost::asio;
    asio::io_context ioc;
    asio::ip::tcp::socket s(ioc);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    asio::write(s, asio::buffer(request));
    raw_reply out;
    char buf[65536];
    // ::recv, not read_some: asio answers SO_RCVTIMEO's EAGAIN by polling without a deadline.
    for (;;) {
        auto n = ::recv(s.native_handle(), buf, sizeof buf, 0);
        if (n > 0) {
            out.bytes.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        out.closed_by_server = n == 0 || errno == ECONNRESET;
        return out;
    }
}

// Resident set size of a process in KiB (VmRSS from /proc).
inline std::size_t rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    return 0;
}

// Samples a process's RSS until stopped; keeps the peak.
class rss_watch {
public:
    explicit rss_watch(pid_t pid) : pid_(pid), thread_([this] {
        while (!stop_) {
            peak_ = std::max<std::size_t>(peak_, rss_kib(pid_));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the sampling period
        }
    }) {}
    ~rss_watch() { finish(); }
    std::size_t finish() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        return peak_;
    }

private:
    pid_t pid_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> peak_{0};
    std::thread thread_;
};

// A caller's keep-alive connection: writes exact bytes and reads whole responses with
// Beast's parser; what arrives after a response stays buffered for the next read, so
// pipelined answers are read one by one.
class raw_connection {
public:
    using response = boost::beast::http::response<boost::beast::http::string_body>;
    explicit raw_connection(std::uint16_t port) : socket_(ioc_) {
        socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    }
    void write(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
    // The next whole response; nullopt (and a test failure) on an error, a close or `timeout`.
    std::optional<response> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        boost::beast::http::response_parser<boost::beast::http::string_body> parser;
        auto ec = run([&](auto done) { boost::beast::http::async_read(socket_, buffer_, parser, done); }, timeout);
        if (ec) {
            ADD_FAILURE() << "no whole response: " << ec.message();
            return std::nullopt;
        }
        return parser.release();
    }
    // Reads until the server closes the connection; false after `timeout` or when bytes come instead.
    bool wait_closed(std::chrono::milliseconds timeout) {
        if (buffer_.size() > 0) return false;
        char byte;
        auto ec = run([&](auto done) { socket_.async_read_some(boost::asio::buffer(&byte, 1), done); }, timeout);
        return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
    }

private:
    // Runs one read to completion or `timeout` (then cancelled: operation_aborted).
    template <class Start>
    boost::system::error_code run(Start start, std::chrono::milliseconds timeout) {
        std::optional<boost::system::error_code> result;
        start([&](boost::system::error_code ec, std::size_t) { result = ec; });
        ioc_.restart();
        ioc_.run_for(timeout);
        if (!result) {
            socket_.cancel();
            ioc_.restart();
            ioc_.run();
        }
        return *result;
    }

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

// A second tunnel with a real client and target: it must keep serving during an attack.
struct bystander {
    explicit bystander(tunely_server_process& server)
        : client(start_client(server, server.create_tunnel("bystander"), target.url())) {
        EXPECT_TRUE(server.wait_connected("bystander")) << client->output();
    }
    http_result get(const tunely_server_process& server) const {
        http_call c;
        c.target = "/t/bystander/echo?during=attack";
        return http_request(server.port(), c);
    }
    void expect_served(const tunely_server_process& server) const {
        auto r = get(server);
        EXPECT_EQ(r.status, 200u) << r.error;
    }
    // Calls again and again on one keep-alive connection (no new port per call) until `stop` is set,
    // at least once; returns every status, 0 for a call without a whole answer (the last one then).
    std::vector<unsigned> keep_calling(const tunely_server_process& server, const std::atomic<bool>& stop) const {
        raw_connection connection(server.port());
        std::vector<unsigned> statuses;
        do {
            connection.write("GET /t/bystander/echo?during=attack HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            auto r = connection.read_response(std::chrono::seconds(15));
            statuses.push_back(r ? r->result_int() : 0);
            if (!r) break;
        } while (!stop);
        return statuses;
    }
    test_target target;
    std::unique_ptr<child_process> client;
};

// Raises this process's open-file limit to at least `n` where the hard limit allows; a server
// started afterwards inherits it. Returns whether `n` descriptors are now allowed.
inline bool raise_fd_limit(rlim_t n) {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return false;
    if (l.rlim_cur >= n) return true;
    if (l.rlim_max != RLIM_INFINITY && l.rlim_max < n) return false;
    l.rlim_cur = n;
    return ::setrlimit(RLIMIT_NOFILE, &l) == 0;
}

// Many raw callers driven by one thread with poll(), not a thread each. Caller i
// connects, writes `requests[i]` — whole, or one byte per `drip` tick (slowloris) —
// and reads until the server ends the connection (EOF or reset). The swarm stops
// at `deadline` after its start; a caller still connected then has `ended` false.
class caller_swarm {
public:
    using clock = std::chrono::steady_clock;
    struct caller {
        std::string request;
        std::size_t sent = 0;
        std::string received;
        int fd = -1;
        bool connected = false;
        bool ended = false;  // the server closed or reset the connection
        clock::time_point connected_at{}, ended_at{};
        std::chrono::milliseconds lifetime() const {
            return std::chrono::duration_cast<std::chrono::milliseconds>(ended_at - connected_at);
        }
        // The status code of the response received, 0 if none.
        unsigned status() const {
            return received.size() >= 12 && received.rfind("HTTP/1.", 0) == 0 ? std::stoul(received.substr(9, 3)) : 0;
        }
    };

    caller_swarm(std::uint16_t port, std::vector<std::string> requests, std::chrono::milliseconds drip,
                 std::chrono::milliseconds deadline)
        : port_(port), drip_(drip), deadline_(deadline) {
        for (auto& r : requests) callers_.push_back(caller{std::move(r)});
        thread_ = std::thread([this] { run(); });
    }
    ~caller_swarm() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    // Blocks until every caller has connected and written its first bytes.
    void wait_started() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return started_; });
    }
    // Blocks until `n` callers have ended or the swarm stopped; returns how many have ended.
    std::size_t wait_ended(std::size_t n) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return ended_ >= n || finished_; });
        return ended_;
    }
    std::size_t ended() {
        std::lock_guard lock(mutex_);
        return ended_;
    }
    // Waits for the swarm to stop (every caller ended, or the deadline), then what each got.
    const std::vector<caller>& finish() {
        if (thread_.joinable()) thread_.join();
        return callers_;
    }

private:
    void run() {
        const auto until = clock::now() + deadline_;
        for (auto& c : callers_) start(c);
        notify([&] { started_ = true; });
        auto next_drip = clock::now() + drip_;
        std::vector<pollfd> fds;
        std::vector<caller*> polled;
        while (!stop_ && clock::now() < until) {
            fds.clear();
            polled.clear();
            for (auto& c : callers_) {
                if (c.fd < 0) continue;
                short events = POLLIN;
                if (drip_.count() == 0 && c.sent < c.request.size()) events |= POLLOUT;
                fds.push_back({c.fd, events, 0});
                polled.push_back(&c);
            }
            if (fds.empty()) break;
            auto wake = std::min(until, drip_.count() ? next_drip : clock::now() + std::chrono::milliseconds(100));
            auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - clock::now()).count();
            ::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(wait_ms, 0)));
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (fds[i].revents & POLLOUT) send_some(*polled[i], polled[i]->request.size());
                if (polled[i]->fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) receive(*polled[i]);
            }
            if (drip_.count() && clock::now() >= next_drip) {
                for (auto* c : polled)
                    if (c->fd >= 0) send_some(*c, 1);
                next_drip += drip_;
            }
        }
        for (auto& c : callers_)
            if (c.fd >= 0) ::close(c.fd);
        notify([&] { finished_ = true; });
    }

    void start(caller& c) {
        c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            if (c.fd >= 0) ::close(c.fd);
            c.fd = -1;  // never connected: neither `connected` nor `ended`
            return;
        }
        ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
        c.connected = true;
        c.connected_at = clock::now();
        send_some(c, drip_.count() ? 1 : c.request.size());
    }

    void send_some(caller& c, std::size_t most) {
        std::size_t n = std::min(most, c.request.size() - c.sent);
        if (n == 0) return;
        auto r = ::send(c.fd, c.request.data() + c.sent, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r > 0) c.sent += static_cast<std::size_t>(r);
        else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) end(c);  // EPIPE/ECONNRESET: the server closed
    }

    void receive(caller& c) {
        char buf[16384];
        for (;;) {
            auto r = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0) {
                c.received.append(buf, static_cast<std::size_t>(r));
                continue;
            }
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            end(c);  // 0: EOF; otherwise a reset
            return;
        }
    }

    void end(caller& c) {
        ::close(c.fd);
        c.fd = -1;
        c.ended = true;
        c.ended_at = clock::now();
        notify([&] { ++ended_; });
    }

    template <class F>
    void notify(F change) {
        {
            std::lock_guard lock(mutex_);
            change();
        }
        changed_.notify_all();
    }

    std::uint16_t port_;
    std::chrono::milliseconds drip_;
    std::chrono::milliseconds deadline_;
    std::vector<caller> callers_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable changed_;
    bool started_ = false;
    bool finished_ = false;
    std::size_t ended_ = 0;
    std::thread thread_;
};

}  // namespace tunely::test::hostile
