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
// Not thread-safe: spawn(), cancel() and join() on the group's executor.
#include <boost/asio/cancellation_signal.hpp>

#include <cstddef>
#include <list>
#include <string>

#include "tunely/transport/asio.hpp"
#include "tunely/transport/notifier.hpp"

namespace tunely::transport {

class task_group {
public:
    explicit task_group(const executor& ex) : ex_(ex), done_(ex) {}
    task_group(const task_group&) = delete;
    task_group& operator=(const task_group&) = delete;

    // Starts `task` as a child; `context` names it in the log if it fails.
    void spawn(awaitable<void> task, std::string context);
    // Asks every running child to stop (idempotent; children spawned later run normally).
    void cancel();
    // Waits until no child runs.
    awaitable<void> join();
    std::size_t size() const noexcept { return children_.size(); }

private:
    struct child {
        asio::cancellation_signal signal;
        bool cancelled = false;
    };

    executor ex_;
    std::list<child> children_;  // stable addresses: each child's slot lives here until it ends
    notifier done_;
};

}  // namespace tunely::transport
