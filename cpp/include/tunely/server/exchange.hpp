#pragma once
// One request/response exchange travelling through a session (a "stream" in the
// protocol). The ingress side (or forward()) writes the request body and reads
// the response; the session side delivers what the tunnel client sends.
//
// Not thread-safe: everything runs on the tunnel server's executor. At most one
// coroutine reads (read_head/read_body) and one writes (write_body/finish_body)
// at a time; the two may run concurrently (full duplex).
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "tunely/core/result.hpp"
#include "tunely/server/messages.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::server {

class exchange;

// What a session implements for its exchanges.
class exchange_sink {
public:
    virtual ~exchange_sink() = default;
    // Sends request-body bytes (may wait for flow-control credit); `last` ends
    // the request body.
    virtual awaitable<std::error_code> send_body(exchange& x, std::string_view bytes, bool last) = 0;
    // The reader consumed `n` response-body bytes (protocol 2 grants credit).
    virtual void consumed(exchange& x, std::size_t n) = 0;
    // The ingress side gave up (caller left, deadline): tell the client.
    virtual void cancel(exchange& x, std::error_code reason) = 0;
};

class exchange : public std::enable_shared_from_this<exchange> {
public:
    exchange(const executor& ex, std::weak_ptr<exchange_sink> sink, request_head head);

    const request_head& request() const noexcept { return request_; }

    // --- ingress side ---
    // Waits for the response head until `deadline`; request_timeout after it.
    awaitable<result<response_head>> read_head(std::chrono::steady_clock::time_point deadline);
    // Next response-body chunk; an empty optional is the end of the body.
    awaitable<result<std::optional<std::string>>> read_body();
    awaitable<std::error_code> write_body(std::string_view bytes);
    awaitable<std::error_code> finish_body();
    // Abandons the exchange (idempotent); the client is told to stop.
    void cancel(std::error_code reason);

    // --- session side ---
    void deliver_head(response_head head);
    void deliver_body(std::string bytes, bool last);
    // Ends the exchange with an error (client reset, tunnel lost). Idempotent;
    // the first error wins. Errors after the response ended are ignored.
    void fail(std::error_code reason);
    bool finished() const noexcept { return failed_ || ended_; }
    bool head_delivered() const noexcept { return head_.has_value() || head_taken_; }
    std::size_t buffered_bytes() const noexcept { return buffered_bytes_; }
    // The whole response body has arrived and been read.
    bool body_complete() const noexcept { return ended_ && body_.empty(); }

    // Counters for the request log and the tunnel's totals.
    std::int64_t bytes_in = 0;   // request body bytes sent towards the client
    std::int64_t bytes_out = 0;  // response body bytes delivered to the reader

    // Opaque per-session state (protocol 2 flow-control credit lives here).
    std::int64_t send_credit = 0;
    std::int64_t receive_credit = 0;
    std::size_t unacknowledged = 0;
    transport::notifier credit_changed;

private:
    request_head request_;
    std::weak_ptr<exchange_sink> sink_;
    std::optional<response_head> head_;
    bool head_taken_ = false;
    std::deque<std::string> body_;
    std::size_t buffered_bytes_ = 0;
    bool ended_ = false;
    bool failed_ = false;
    bool request_finished_ = false;
    std::error_code error_;
    transport::notifier changed_;
};

}  // namespace tunely::server
