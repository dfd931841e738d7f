#pragma once
// The server's I/O threads (tunely server --threads N): N io_contexts, each run by one thread. The first is the
// main one, run by the thread that calls run(): it holds the listeners, the admin API, the request log and the
// shutdown sequence. Accepted connections are spread over all N in turn (next()); a tunnel session stays on the
// thread its connection arrived on, and each caller connection moves to its tunnel's thread, so an exchange
// runs on one thread without locks (server/http_connection.cpp). One io_context per thread rather than one
// shared by all: no lock in the scheduler, and a handler never wakes another thread to run.
//
// Teardown: objects cross contexts (a frame on one thread holds a session whose timers belong to another), so
// run() ends by shutting every context down — their pending handlers destroyed while every context's services
// still exist — before any context is freed (the destructor).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "tunely/transport/asio.hpp"

namespace tunely::app {

class io_threads {
public:
    // `count` >= 1 threads in all.
    explicit io_threads(std::size_t count);
    ~io_threads();
    io_threads(const io_threads&) = delete;
    io_threads& operator=(const io_threads&) = delete;

    asio::io_context& main() noexcept { return *contexts_.front(); }
    // The next thread's executor, in turn (any thread).
    executor next();
    // Starts the other threads and runs the main io_context until it stops; then stops the others, joins them
    // and shuts every context down (see above). Once.
    void run();
    // Stops every io_context (any thread): run() returns.
    void stop();

    // The default for --threads: one per core.
    static std::size_t default_count();

private:
    // io_context with its (protected) shutdown() reachable.
    struct context : asio::io_context {
        using asio::io_context::io_context;
        using asio::execution_context::shutdown;
    };
    using guard = asio::executor_work_guard<asio::io_context::executor_type>;
    std::vector<std::unique_ptr<context>> contexts_;
    std::vector<guard> guards_;  // the others run until stop(), work or not
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> turn_{0};
};

}  // namespace tunely::app
