#pragma once
// A real HTTP/1.1 target service on 127.0.0.1:<ephemeral>, run on its own
// thread, for end-to-end tests. Endpoints:
//   ANY  /echo…            → 200 JSON {method, target, headers{lower-case name: value}, body}
//   ANY  /echo-body        → 200, the request body byte for byte (same content-type)
//   GET  /bytes?size=N     → 200, N deterministic bytes (byte i = (i * 7 + 3) % 256)
//   GET  /sse?count=N&interval_ms=M → text/event-stream, "data: {i}\n\n" every M ms
//   GET  /slow?ms=N        → 200 "slow" after N ms
//   GET  /stall?ms=N       → head (Content-Length: 100) and 3 body bytes, then silence for N ms
//   GET  /status/N         → status N, body "status N"
//   GET  /cookies          → 200 with two Set-Cookie fields
//   GET  /headers?count=N  → 200 with N extra fields x-h0 … x-h{N-1}
//   GET  /gzip             → 200 text/plain gzip_text(), gzip-coded (Content-Encoding: gzip) when the
//                            request's Accept-Encoding names gzip; /gzip?always=1 codes it whatever was asked
//   A HEAD request gets the head a GET would have had (Content-Length included), without the body.
//   GET  /ws (WebSocket upgrade) → echoes messages; text "close" → close 4000 "bye";
//                            text "headers" → "<Sec-WebSocket-Protocol>|<X-Probe>" of the upgrade request
#include <cstdint>
#include <memory>
#include <string>

namespace tunely::test {

class test_target {
public:
    test_target();
    ~test_target();
    std::uint16_t port() const noexcept;
    std::string url() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The bytes /bytes?size=N returns.
std::string deterministic_bytes(std::size_t n, unsigned seed = 0);
// The text /gzip returns (decoded).
std::string gzip_text();

}  // namespace tunely::test
