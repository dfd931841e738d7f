#pragma once
// Runs store calls on a small dedicated thread pool so that no I/O thread ever
// blocks on a database, and brings the result back to the caller's executor.
//
// Thread-safe. Exceptions thrown by the store (std::system_error with
// store_unavailable / store_conflict / schema_too_new) come back as error
// values; any other exception is reported as store_unavailable.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <type_traits>

#include "tunely/core/error.hpp"
#include "tunely/core/result.hpp"
#include "tunely/store/store.hpp"
#include "tunely/transport/asio.hpp"

namespace tunely::server {

class store_executor {
public:
    store_executor(std::shared_ptr<store::store> store, std::size_t threads)
        : store_(std::move(store)), pool_(threads) {}
    ~store_executor() { pool_.join(); }

    store::store& direct() noexcept { return *store_; }

    // Runs fn(store) on the pool; the awaiting coroutine is suspended until fn
    // has returned, so fn may (and should) capture the caller's locals by
    // reference. Capturing std::string by value is unsafe with g++ 12: it
    // relocates a co_await expression's temporaries bitwise, which leaves the
    // strings' small-buffer pointers dangling (seen as double frees).
    template <class F, class R = std::invoke_result_t<std::decay_t<F>&, store::store&>>
    awaitable<result<R>> run(F&& fn) {
        using job = std::decay_t<F>;
        return asio::async_initiate<decltype(use_awaitable), void(result<R>)>(
            [this](auto handler, job fn) {
                auto work = asio::make_work_guard(asio::get_associated_executor(handler));
                asio::post(pool_, [this, fn = std::move(fn), handler = std::move(handler),
                                   work = std::move(work)]() mutable {
                    result<R> r = invoke(fn);
                    auto ex = work.get_executor();
                    asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
                        std::move(handler)(std::move(r));
                    });
                });
            },
            use_awaitable, job(std::forward<F>(fn)));
    }

    void stop() { pool_.join(); }

private:
    template <class F, class R = std::invoke_result_t<F, store::store&>>
    result<R> invoke(F& fn) noexcept {
        try {
            if constexpr (std::is_void_v<R>) {
                fn(*store_);
                return {};
            } else {
                return fn(*store_);
            }
        } catch (const std::system_error& e) {
            return result<R>(boost::system::in_place_error, e.code());
        } catch (...) {
            return result<R>(boost::system::in_place_error, make_error_code(error::store_unavailable));
        }
    }

    std::shared_ptr<store::store> store_;
    asio::thread_pool pool_;
};

}  // namespace tunely::server
