#pragma once
// The life of one tunnel WebSocket after authentication, shared by the server's
// and the client's sessions: one writer (the outbox), one read loop handing
// every message to on_frame(), and a heartbeat that pings every
// `ping_interval` and drops the connection when nothing arrived for
// `idle_timeout`. Protocol subclasses only translate frames.
//
// Not thread-safe: everything runs on the channel's executor.
#include <chrono>
#include <memory>
#include <string>

#include "tunely/protocol/limits.hpp"
#include "tunely/transport/notifier.hpp"
#include "tunely/transport/outbox.hpp"
#include "tunely/transport/ws_channel.hpp"

namespace tunely::transport {

struct heartbeat_options {
    std::chrono::milliseconds ping_interval{30'000};
    std::chrono::milliseconds idle_timeout{90'000};
};

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(std::shared_ptr<ws_channel> channel, heartbeat_options heartbeat, outbox_limits limits = {});
    virtual ~connection() = default;

    executor get_executor() { return channel_->get_executor(); }

    // Runs until the peer closes, a read or write fails, the heartbeat gives up
    // or a queued close completes. on_ended() has run when it returns. Returns
    // why the connection ended.
    awaitable<std::string> run();
    // Queues a close frame behind the frames already queued. Idempotent.
    void close(std::uint16_t code, std::string reason);
    bool ended() const noexcept { return ended_; }
    // Protocol 2 with tunely/2+batch negotiated: frames queued together leave as
    // BATCH messages, each within the peer's frame size limit.
    void enable_batching() noexcept { outbox_.enable_batching(protocol::v2_max_frame_size); }

protected:
    static constexpr std::size_t bulk_high_water = outbox::bulk_high_water;

    virtual void on_frame(std::string_view payload, bool text) = 0;
    virtual void send_ping() = 0;
    // The connection is over: fail or abandon whatever is in flight.
    virtual void on_ended() = 0;
    // After on_ended() and the writer's end: waits for the coroutines the subclass
    // spawned (run() returns only once they have ended: they may use the session).
    virtual awaitable<void> join_children() { co_return; }

    // The outbox as a weak_ptr that, locked, keeps this connection alive (for
    // streams, which must not own their session).
    std::weak_ptr<outbox> outbox_ref() { return std::shared_ptr<outbox>(shared_from_this(), &outbox_); }

    std::shared_ptr<ws_channel> channel_;
    outbox outbox_;

private:
    // The heartbeat is a timer and a handler, not a coroutine: an idle session keeps one pending wait instead
    // of a coroutine frame, its spawn wrapper and a join state (about 1 KiB per session). The handler holds a
    // weak_ptr: a wait still pending when the connection is gone finds nothing to do.
    void arm_heartbeat();
    void on_heartbeat();
    awaitable<void> write_loop();

    heartbeat_options heartbeat_;
    std::chrono::steady_clock::time_point last_seen_;
    std::chrono::steady_clock::time_point next_ping_;
    asio::steady_timer heartbeat_timer_;
    bool ended_ = false;
    std::string end_reason_;
};

}  // namespace tunely::transport
