#pragma once
// Runs a coroutine on another executor and resumes the awaiting one on its own executor with the result (or
// the exception) — how work crosses from one I/O thread to another (tunnel_server: an exchange is used on its
// session's executor; a caller connection moves to its tunnel's thread).
//
// Contract: the awaiting coroutine stays suspended until `task` has ended, so `task` may refer to the
// awaiter's locals (streams, buffers) — nothing else may use them meanwhile. Both executors must run one
// handler at a time (an io_context run by one thread, or a strand).
//
// Cancellation of the awaiter is forwarded into `task`, emitted on `ex`. Written here rather than taken from
// co_spawn's own forwarding: Boost 1.81's emits through a raw pointer that a late emit can outlive; here the
// emit holds the state it uses and does nothing once `task` has ended.
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <exception>
#include <memory>
#include <type_traits>

#include "tunely/transport/asio.hpp"

namespace tunely::transport {

namespace detail {

// Shared by the awaiter's cancellation handler and the task's completion; used on `ex` only.
struct run_on_state {
    asio::cancellation_signal signal;  // into the task
    bool ended = false;
};

// Starts `task` on `ex`; its outcome reaches `handler` on the handler's own executor.
template <class T>
struct initiate_run_on {
    template <class Handler>
    void operator()(Handler handler, executor ex, awaitable<T> task) const {
        auto state = std::make_shared<run_on_state>();
        auto slot = asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected()) {
            slot.assign([state, ex](asio::cancellation_type type) {
                asio::dispatch(ex, [state, type] {
                    if (!state->ended) state->signal.emit(type);
                });
            });
        }
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        // Delivers the outcome on the awaiter's executor; its cancellation handler goes first.
        auto deliver = [handler = std::move(handler), work = std::move(work)](auto... outcome) mutable {
            auto home = work.get_executor();
            asio::dispatch(home, [handler = std::move(handler), ... outcome = std::move(outcome)]() mutable {
                asio::get_associated_cancellation_slot(handler).clear();
                std::move(handler)(std::move(outcome)...);
            });
        };
        auto inner_slot = state->signal.slot();
        if constexpr (std::is_void_v<T>) {
            asio::co_spawn(ex, std::move(task),
                           asio::bind_cancellation_slot(inner_slot, [state, deliver = std::move(deliver)](
                                                                        std::exception_ptr e) mutable {
                               state->ended = true;
                               deliver(e);
                           }));
        } else {
            asio::co_spawn(ex, std::move(task),
                           asio::bind_cancellation_slot(inner_slot, [state, deliver = std::move(deliver)](
                                                                        std::exception_ptr e, T value) mutable {
                               state->ended = true;
                               deliver(e, std::move(value));
                           }));
        }
    }
};

}  // namespace detail

// Always a hop (a co_spawn on `ex`), even when `ex` is the awaiter's own executor: a caller that may already
// be there compares executors and co_awaits the coroutine directly instead. Not a coroutine itself: an earlier
// form that was one (taking `task` by reference and, on its own executor, doing `co_return co_await
// std::move(task)`) crashed under g++ 12 with a resumed finished frame (SIGILL), the family of g++ 12 coroutine
// temporaries bugs this project works around elsewhere with named variables.
template <class T>
awaitable<T> run_on(executor ex, awaitable<T> task) {
    return asio::async_initiate<decltype(use_awaitable), void(std::exception_ptr, T)>(
        detail::initiate_run_on<T>{}, use_awaitable, std::move(ex), std::move(task));
}

inline awaitable<void> run_on(executor ex, awaitable<void> task) {
    return asio::async_initiate<decltype(use_awaitable), void(std::exception_ptr)>(
        detail::initiate_run_on<void>{}, use_awaitable, std::move(ex), std::move(task));
}

}  // namespace tunely::transport
