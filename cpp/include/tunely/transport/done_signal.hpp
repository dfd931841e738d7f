#pragma once
// The end of a child coroutine its owner joins by hand (a reader beside a
// writer that uses the owner's stream and buffer): the child calls set() as its
// last step, however it ends; the owner awaits wait() before its frame may
// unwind. Both hold the signal by shared_ptr.
//
// Not thread-safe: one executor. Cancel safety: an abandoned wait() changes nothing.
#include "tunely/transport/notifier.hpp"

namespace tunely::transport {

class done_signal {
public:
    explicit done_signal(const executor& ex) : changed_(ex) {}

    void set() {
        done_ = true;
        changed_.notify();
    }
    bool done() const noexcept { return done_; }
    awaitable<void> wait() {
        while (!done_) co_await changed_.wait();
    }

private:
    bool done_ = false;
    notifier changed_;
};

}  // namespace tunely::transport
