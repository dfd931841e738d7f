#pragma once
// One protocol-2 stream's flow control and received body (spec/PROTOCOL.md
// §2.6), the same on the server and the client: the one implementation of
// credit both ways.
//
// - send(): our DATA frames, each within the peer's credit; waits for WINDOW
//   when the credit is spent and for room in the outbox (bulk_high_water), so a
//   peer that grants credit and stops reading stops us instead of growing the
//   outbox.
// - receive(): the peer's DATA, refused beyond the window we granted; queued in
//   received(), which therefore never holds more than one window: the body
//   channel is bounded by the protocol, not by the peer's goodwill.
// - consumed(): the reader handed bytes on (to the caller, to the target); once
//   half a window is unacknowledged, one WINDOW grants it back.
// - abort(): the stream is over (RESET either way, the session ended): every
//   waiter wakes, send() returns false, no WINDOW goes out any more.
//
// Ownership: the session's stream table holds a shared_ptr and so does the
// coroutine using the stream (server: the exchange; client: the stream's
// serve coroutine). The stream holds only a weak_ptr to the outbox, which is
// the session's (an aliasing pointer: locking it keeps the session alive while
// send() waits, and the session aborts its streams when it ends, so the wait
// ends).
//
// Not thread-safe: everything on the session's executor.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tunely/protocol/v2_frames.hpp"
#include "tunely/transport/body_queue.hpp"
#include "tunely/transport/outbox.hpp"

namespace tunely::transport {

class stream {
public:
    stream(const executor& ex, protocol::v2::stream_id id, std::weak_ptr<outbox> out);

    protocol::v2::stream_id id() const noexcept { return id_; }

    // --- our direction ---
    // Sends `bytes` as DATA frames (END_STREAM on the last when `last`); an empty
    // `bytes` with `last` sends an empty DATA with END_STREAM. Returns false when
    // the stream was aborted (or the session ended) before everything went.
    awaitable<bool> send(std::string_view bytes, bool last);
    // One datagram of a UDP stream (spec §2.15) as one DATA frame, without waiting: false (and nothing
    // sent) when the credit is short of it, the outbox is above its high-water mark, the stream was
    // aborted or the datagram exceeds a DATA frame. UDP may lose datagrams; it never waits.
    bool try_send_datagram(std::string_view datagram);
    // Bytes of ours that went inline in a head (RESPONSE's first body bytes):
    // they spend credit like DATA.
    void spend(std::size_t n) noexcept { send_credit_ -= static_cast<std::int64_t>(n); }
    std::int64_t send_credit() const noexcept { return send_credit_; }
    // WINDOW from the peer.
    void grant(std::uint32_t increment);

    // --- the peer's direction ---
    // The peer's body bytes (DATA, or inline in OPEN/RESPONSE). False, and
    // nothing queued, when they exceed the credit we granted or come after the
    // peer ended its body: the caller resets the stream (flow_control).
    bool receive(std::string bytes, bool last);
    body_queue& received() noexcept { return received_; }
    // One datagram of a UDP stream (spec §2.15) from the peer: its size is charged against the credit we
    // granted, as receive() does, but it is not queued in received() (a byte queue, in which a zero-length
    // datagram would vanish): the caller keeps the datagram and calls consumed() once it is delivered or
    // dropped. False, and nothing charged, when it exceeds the credit or the stream is over: the caller
    // resets the stream (flow_control).
    bool receive_datagram(std::size_t size);
    // `n` received bytes were handed on: grants them back in WINDOW frames of
    // at least half a window (rare WINDOW frames), while the peer may still send.
    void consumed(std::size_t n);

    // The stream is over: wakes every waiter; readers get `reason` after the
    // bytes already queued (unless the body had ended). Idempotent.
    void abort(std::error_code reason);
    bool aborted() const noexcept { return aborted_; }

private:
    void push_frame(std::string bytes);

    protocol::v2::stream_id id_;
    std::weak_ptr<outbox> out_;
    std::int64_t send_credit_;
    std::int64_t receive_credit_;
    std::size_t unacknowledged_ = 0;
    bool aborted_ = false;
    body_queue received_;
    notifier credit_changed_;
};

}  // namespace tunely::transport
