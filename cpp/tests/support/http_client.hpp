#pragma once
// Minimal blocking HTTP/1.1 and WebSocket clients for tests (real sockets,
// every call bounded by a timeout).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tunely::test {

struct http_result {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string error;  // set when the exchange failed at the socket level
    std::string header(std::string_view name) const;
    std::vector<std::string> all(std::string_view name) const;
};

struct http_call {
    std::string method = "GET";
    std::string target = "/";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string host = "127.0.0.1";
    std::chrono::milliseconds timeout{15'000};
};

http_result http_request(std::uint16_t port, const http_call& call);

// Reads a streamed response and reports each body chunk with its arrival time.
struct timed_chunk {
    std::chrono::steady_clock::time_point at;
    std::string data;
};
http_result http_request_streamed(std::uint16_t port, const http_call& call, std::vector<timed_chunk>& chunks);

// A raw WebSocket client speaking JSON text frames (the hand-made 1.1 client).
class ws_test_client {
public:
    // `headers` are added to the upgrade request. Throws when the handshake fails.
    ws_test_client(std::uint16_t port, const std::string& path,
                   std::vector<std::pair<std::string, std::string>> headers = {});
    ~ws_test_client();
    void send_text(const std::string& text);
    void send_binary(const std::string& bytes);
    // Next message; empty optional-like result with `closed` set when the peer closed.
    struct message {
        std::string data;
        bool text = true;
        bool closed = false;
        int close_code = 0;
        std::string close_reason;
    };
    message read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tunely::test
