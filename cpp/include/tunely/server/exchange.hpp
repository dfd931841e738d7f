#pragma once
// One request/response exchange travelling through a session (a "stream" in the
// protocol): a thin handle the ingress (or forward()) holds. It writes the
// request body and reads the response; the session delivers what the tunnel
// client sends. Each protocol's session makes its own kind (exchange_v1,
// exchange_v2 in session_v1.cpp / session_v2.cpp), which knows its id and
// holds only a weak_ptr to its session: a handle outliving its session fails
// with tunnel_disconnected, it never reaches into a destroyed one.
//
// Not thread-safe: everything runs on its session's executor (get_executor()). At most one
// coroutine reads (read_head/read_body) and one writes (write_body/finish_body)
// at a time; the two may run concurrently (full duplex). The coroutine that
// awaits holds a shared_ptr to the exchange (the member functions take one).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "tunely/core/result.hpp"
#include "tunely/server/messages.hpp"
#include "tunely/transport/body_queue.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::server {

class exchange : public std::enable_shared_from_this<exchange> {
public:
    virtual ~exchange() = default;

    const request_head& request() const noexcept { return request_; }
    // Its session's executor: where every member is called (transport::run_on gets there from elsewhere).
    const executor& get_executor() const noexcept { return ex_; }

    // --- ingress side ---
    // Waits for the response head until `deadline`; request_timeout after it.
    awaitable<result<response_head>> read_head(std::chrono::steady_clock::time_point deadline);
    // Next response-body chunk; an empty optional is the end of the body.
    awaitable<result<std::optional<std::string>>> read_body();
    awaitable<std::error_code> write_body(std::string_view bytes);
    awaitable<std::error_code> finish_body();
    // Abandons the exchange (idempotent); the client is told to stop.
    void cancel(std::error_code reason);
    // A TCP stream that carries each direction's end on its own (protocol 2): after the response
    // direction ended, the request direction may go on until finish_body(). Otherwise the end of the
    // response ends the exchange.
    virtual bool half_close() const noexcept { return false; }
    // Returns once the exchange failed (a half-closed TCP stream: reset, or its session ended).
    awaitable<void> wait_failed();
    // A UDP stream: one datagram towards the client, sent at once or dropped (false) — when the flow
    // control or the session's outbox has no room, or the exchange is over. Never waits.
    bool send_datagram(std::string_view datagram) {
        if (over() || !try_send_datagram(datagram)) return false;
        bytes_in += static_cast<std::int64_t>(datagram.size());
        return true;
    }
    // Response-body bytes received and not read yet.
    std::size_t buffered_bytes() noexcept { return response_body().buffered_bytes(); }
    // The whole response body has arrived and been read.
    bool body_complete() noexcept { return response_body().ended() && response_body().empty(); }

    // --- session side ---
    void deliver_head(response_head head);
    void deliver_body(std::string bytes, bool last) { response_body().push(std::move(bytes), last); }
    // Ends the exchange with an error (client reset, tunnel lost). Idempotent;
    // the first error wins. Errors after the response ended are ignored (unless
    // a half-closed TCP stream still carries its request direction).
    void fail(std::error_code reason);
    // The same with the client's own words for it (a RESET's message, a tcp_close's error): kept, at most
    // max_failure_text bytes of valid UTF-8 (else dropped), for the admin API's /forward — never for callers.
    void fail(std::error_code reason, std::string_view client_text);
    const std::string& failure_text() const noexcept { return failure_text_; }
    static constexpr std::size_t max_failure_text = 500;
    bool finished() noexcept { return failed_ || response_body().ended(); }
    bool head_delivered() const noexcept { return head_.has_value() || head_taken_; }

    // Counters for the request log and the tunnel's totals.
    std::int64_t bytes_in = 0;   // request body bytes sent towards the client
    std::int64_t bytes_out = 0;  // response body bytes delivered to the reader

protected:
    exchange(const executor& ex, request_head head);

    // Where the response body is queued (exchange_v2: its stream's received bytes).
    virtual transport::body_queue& response_body() noexcept = 0;
    // Sends request-body bytes to the client (may wait: flow control, outbox
    // room); `last` ends the request body. Runs only while the exchange has
    // not failed.
    virtual awaitable<std::error_code> send(std::string_view bytes, bool last) = 0;
    // The reader took `n` response-body bytes (protocol 2 grants credit).
    virtual void on_read(std::size_t) {}
    // One datagram of a UDP stream, without waiting (see send_datagram).
    virtual bool try_send_datagram(std::string_view) { return false; }
    // The ingress side gave up (caller left, deadline): tell the client, drop the id.
    virtual void on_cancel(std::error_code reason) = 0;
    // The exchange failed (however): wake what waits on the protocol's side.
    virtual void on_failed(std::error_code reason) { response_body().fail(reason); }
    // Why the exchange failed; empty while it has not.
    std::error_code failure() const noexcept { return error_; }

private:
    bool over() noexcept;

    executor ex_;
    request_head request_;
    std::optional<response_head> head_;
    bool head_taken_ = false;
    bool failed_ = false;
    bool request_finished_ = false;
    std::error_code error_;
    std::string failure_text_;
    transport::notifier head_changed_;
};

}  // namespace tunely::server
