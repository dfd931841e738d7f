#pragma once
// A wake-up signal for coroutines on one executor (a timer used as a condition
// variable). Not thread-safe: notify() and wait() must run on the owner's
// executor.
//
// Contract: wait() returns after notify() (or a spurious wake-up); callers
// re-check their condition in a loop. Any number of coroutines may wait() at
// once: notify() wakes them all. wait_until() re-arms the timer with its own
// deadline, which wakes the other waiters spuriously: use it only on a
// notifier nobody else waits on at the same time.
// Cancel safety: a cancelled wait changes nothing; the condition is re-checked.
#include <chrono>

#include "tunely/transport/asio.hpp"

namespace tunely::transport {

class notifier {
public:
    explicit notifier(const executor& ex) : timer_(ex, never()) {}

    void notify() { timer_.cancel(); }

    // Waits until notified.
    awaitable<void> wait() {
        // Re-arming cancels every pending wait: only after a wait_until() left a deadline behind.
        if (timer_.expiry() != never()) timer_.expires_at(never());
        co_await timer_.async_wait(as_tuple_awaitable);
    }

    // Waits until notified or until `deadline`; returns false if the deadline passed.
    awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline) {
        timer_.expires_at(deadline);
        co_await timer_.async_wait(as_tuple_awaitable);
        timer_.expires_at(never());
        co_return std::chrono::steady_clock::now() < deadline;
    }

private:
    static asio::steady_timer::time_point never() { return asio::steady_timer::time_point::max(); }
    asio::steady_timer timer_;
};

}  // namespace tunely::transport
