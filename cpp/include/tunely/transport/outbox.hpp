#pragma once
// The single writer of a WebSocket: every frame of a session goes through its
// outbox, which one coroutine (run()) drains in order. A close request is
// ordered after the frames queued before it.
//
// Bounded: producers of bulk data (DATA, 1.1 requests) wait_below() a high-water
// mark before they push; what is pushed without waiting (replies to pings,
// WINDOW, RESET, OPEN) is capped by `outbox_limits`. A push beyond the caps means
// the peer stopped reading: the outbox stops (overflowed() is true) and the
// connection ends, instead of memory growing with what the peer sends.
//
// Not thread-safe: push*() and run() on the channel's executor.
// Cancel safety: wait_below() may be abandoned at any time (it changes nothing).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "tunely/transport/fifo.hpp"
#include "tunely/transport/notifier.hpp"
#include "tunely/transport/ws_channel.hpp"

namespace tunely::transport {

struct outbox_limits {
    std::size_t max_frames = 16 * 1024;        // queued frames (a ping flood of a peer that never reads)
    std::size_t max_bytes = 32 * 1024 * 1024;  // queued bytes
};

class outbox {
public:
    // Producers of bulk data (DATA frames, whole 1.1 requests) wait_below() this
    // before they push: a peer that stops reading stops them instead of growing
    // the queue.
    static constexpr std::size_t bulk_high_water = 512 * 1024;

    explicit outbox(const executor& ex, outbox_limits limits = {}) : limits_(limits), wake_(ex), drained_(ex) {}

    void push_text(std::string text) { push({std::move(text), true}); }
    void push_binary(std::string bytes) { push({std::move(bytes), false}); }
    // Queues a close; frames pushed afterwards are dropped.
    void push_close(std::uint16_t code, std::string reason);
    // Stops run() at once; queued frames are dropped.
    void stop();

    // Writes frames until closed, stopped or a write fails. Returns the write
    // error, if any.
    awaitable<boost::system::error_code> run(ws_channel& channel);

    // From now on, binary frames queued together leave as BATCH messages of at
    // most `max_message_bytes` (the peer negotiated tunely/2+batch).
    void enable_batching(std::size_t max_message_bytes) noexcept { batch_limit_ = max_message_bytes; }

    std::size_t queued_bytes() const noexcept { return queued_bytes_; }
    bool closing() const noexcept { return close_.has_value() || stopped_; }
    // A push went beyond the limits: the outbox stopped.
    bool overflowed() const noexcept { return overflowed_; }
    // Called once when a push overflows (the owner aborts the channel: a write may
    // be stuck on a peer that does not read, and stop() cannot end it).
    void on_overflow(std::function<void()> f) { on_overflow_ = std::move(f); }
    // Waits until queued bytes fall to `threshold` or below (or the outbox stops).
    // Any number of coroutines may wait at once.
    awaitable<void> wait_below(std::size_t threshold);

private:
    struct item {
        std::string bytes;
        bool text = false;
    };
    struct close_request {
        std::uint16_t code;
        std::string reason;
    };

    void push(item it);
    // With batching on, moves the binary frames queued behind `first` (as many as
    // fit the limit) into one BATCH with it; returns the queued bytes it covers.
    std::size_t take_batch(std::string& first);

    fifo<item> queue_;  // not a std::deque: see fifo.hpp
    std::optional<close_request> close_;
    std::size_t queued_bytes_ = 0;
    std::size_t batch_limit_ = 0;  // 0: one frame per message
    outbox_limits limits_;
    std::function<void()> on_overflow_;
    bool stopped_ = false;
    bool overflowed_ = false;
    notifier wake_;
    notifier drained_;
};

}  // namespace tunely::transport
