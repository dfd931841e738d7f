#pragma once
// Children of one owner (the accept loop's caller connections): spawned into
// the group, cancelled together, joined before the owner goes.
//
// Contract: the owner awaits join() before it destroys the group (or destroys
// the group only after the io_context stopped for good: handlers that never run
// never touch it). cancel() emits terminal cancellation on each child's slot:
// the operation a child awaits ends with operation_aborted (Asio and Beast
// stream operations honour it), and its next co_await throws; a child ended that
// way is routine and logged at debug level.
//
// Thread-safe: spawn() and cancel() from any thread (a child runs on the executor it is spawned on: caller
// connections and sessions on every I/O thread); join() on the group's executor. A child's cancellation is
// emitted on the child's own executor.
#include <boost/asio/cancellation_signal.hpp>

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "tunely/transport/asio.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::transport {

class task_group {
public:
    explicit task_group(const executor& ex) : ex_(ex), done_(std::make_shared<notifier>(ex)) {}
    task_group(const task_group&) = delete;
    task_group& operator=(const task_group&) = delete;

    // Starts `task` as a child on the group's executor, or on `on`; `context` names it in the log if it fails.
    void spawn(awaitable<void> task, std::string context);
    void spawn(const executor& on, awaitable<void> task, std::string context);
    // Asks every running child to stop (idempotent; children spawned later run normally).
    void cancel();
    // Waits until no child runs.
    awaitable<void> join();
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return children_.size();
    }

private:
    // Shared with a pending emit (cancel()), which may run after the child ended: `ended` and `signal` are
    // used only on the child's executor, which must run one handler at a time (an io_context run by one
    // thread, or a strand).
    struct child {
        explicit child(const executor& on) : ex(on) {}
        executor ex;
        asio::cancellation_signal signal;
        bool ended = false;
        bool cancelled = false;  // under mutex_
    };

    executor ex_;
    mutable std::mutex mutex_;
    std::list<std::shared_ptr<child>> children_;
    std::shared_ptr<notifier> done_;  // shared with a notify still on its way when the group goes
};

}  // namespace tunely::transport
