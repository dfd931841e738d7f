#pragma once
// The Asio vocabulary every coroutine module uses (declarations only: Asio and
// Beast are compiled once, in tunely_asio).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tunely {
namespace asio = boost::asio;
using asio::awaitable;
using executor = asio::any_io_executor;
inline constexpr auto use_awaitable = asio::use_awaitable;
inline constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace tunely
