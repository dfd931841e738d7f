#pragma once
// A wake-up signal for coroutines on one executor (a timer used as a condition
// variable). Not thread-safe: notify() and wait() must run on the owner's
// executor. wait() returns after notify() or cancel(); callers re-check their
// condition in a loop.
#include <chrono>

#include "tunely/transport/asio.hpp"

namespace tunely::transport {

class notifier {
public:
    explicit notifier(const executor& ex) : timer_(ex, asio::steady_timer::time_point::max()) {}

    void notify() { timer_.cancel(); }

    // Waits until notified.
    awaitable<void> wait() {
        timer_.expires_at(asio::steady_timer::time_point::max());
        co_await timer_.async_wait(as_tuple_awaitable);
    }

    // Waits until notified or until `deadline`; returns false if the deadline passed.
    awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline) {
        timer_.expires_at(deadline);
        co_await timer_.async_wait(as_tuple_awaitable);
        co_return std::chrono::steady_clock::now() < deadline;
    }

private:
    asio::steady_timer timer_;
};

}  // namespace tunely::transport
