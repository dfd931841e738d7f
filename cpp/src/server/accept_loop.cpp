#include "tunely/server/accept_loop.hpp"

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace tunely::server {
using boost::asio::ip::tcp;

namespace {
constexpr auto accept_pause_first = std::chrono::milliseconds(5);
constexpr auto accept_pause_max = std::chrono::milliseconds(1000);
}  // namespace

awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, std::function<void(tcp::socket)> serve,
                            std::function<executor()> place) {
    asio::steady_timer pause_timer(acceptor->get_executor());
    std::chrono::milliseconds pause{0};
    for (;;) {
        const executor where = place();
        auto [ec, socket] = co_await acceptor->async_accept(where, as_tuple_awaitable);
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        if (ec) {
            pause = pause.count() == 0 ? accept_pause_first : std::min(pause * 2, accept_pause_max);
            spdlog::warn("accept failed: {}; next attempt in {} ms", ec.message(), pause.count());
            pause_timer.expires_after(pause);
            (void)co_await pause_timer.async_wait(as_tuple_awaitable);
            if (!acceptor->is_open()) co_return;  // closed during the pause (shutdown)
            continue;
        }
        pause = std::chrono::milliseconds(0);
        // Best effort: a connection reset meanwhile fails here, and its first read says so.
        boost::system::error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);
        serve(std::move(socket));
    }
}

// Not a coroutine: no default argument (a temporary) handed to one (g++ 12 mishandles those).
awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, std::function<void(tcp::socket)> serve) {
    auto own = acceptor->get_executor();
    return accept_loop(std::move(acceptor), std::move(serve), [own] { return own; });
}

}  // namespace tunely::server
