#pragma once
// Hostile peers for end-to-end tests against the real `tunely server`: a raw
// tunnel client that says whatever a test wants (both protocols), a raw caller
// that writes exact bytes and reads everything until the server closes, and the
// server's resident memory from /proc.
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <string>

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
    for (;;) {
        boost::system::error_code ec;
        auto n = s.read_some(asio::buffer(buf), ec);
        out.bytes.append(buf, n);
        if (ec) {
            out.closed_by_server = ec == asio::error::eof || ec == asio::error::connection_reset;
            return out;
        }
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

}  // namespace tunely::test::hostile
