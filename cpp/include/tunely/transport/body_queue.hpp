#pragma once
// Body bytes received for one reader: chunks in order, then the end of the
// body or an error. The producer (a session's frame handler) pushes without
// waiting; the reader awaits next().
//
// Bound: the queue does not refuse bytes itself; its producer bounds it before
// pushing (protocol 2: the receive window, so never more than one window is
// queued; protocol 1.1: --v1-stream-buffer, checked by the session).
//
// Not thread-safe: one executor. Any number of coroutines may wait on
// changed() (notifier), but one reader at a time calls next().
// Cancel safety: an abandoned next() loses nothing (a chunk is taken only when
// it is returned).
#include <optional>
#include <string>
#include <system_error>

#include "tunely/core/result.hpp"
#include "tunely/transport/fifo.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::transport {

class body_queue {
public:
    explicit body_queue(const executor& ex) : changed_(ex) {}

    // Queues `bytes` (may be empty); `last` ends the body. Ignored once the body
    // ended or failed.
    void push(std::string bytes, bool last);
    // Ends the body with an error: the reader gets the chunks queued before it,
    // then the error. Ignored once the body ended (a complete body stays
    // readable); the first error wins.
    void fail(std::error_code reason);

    // The next chunk; an empty optional is the end of the body; an error once
    // the body failed.
    awaitable<result<std::optional<std::string>>> next();
    // The next chunk if one is queued now (no wait): as next(), or nothing yet.
    std::optional<result<std::optional<std::string>>> try_next();

    bool ended() const noexcept { return ended_; }
    bool failed() const noexcept { return failed_; }
    // Ended or failed: no more bytes will be pushed.
    bool closed() const noexcept { return ended_ || failed_; }
    std::error_code error() const noexcept { return error_; }
    std::size_t buffered_bytes() const noexcept { return buffered_bytes_; }
    bool empty() const noexcept { return chunks_.empty(); }
    // Wakes on every push, end and failure; also usable by the owner to wake
    // its own waiters (a stream's credit).
    notifier& changed() noexcept { return changed_; }

private:
    fifo<std::string> chunks_;  // not a std::deque: see fifo.hpp
    std::size_t buffered_bytes_ = 0;
    bool ended_ = false;
    bool failed_ = false;
    std::error_code error_;
    notifier changed_;
};

}  // namespace tunely::transport
