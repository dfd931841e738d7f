#pragma once
// co_spawn with a completion handler that logs what escaped the coroutine:
// unexpected failures are caught once, at the root, with their context.
#include <exception>
#include <string>

#include "tunely/transport/asio.hpp"

namespace tunely::transport {

void log_escaped_exception(const std::string& context, std::exception_ptr e) noexcept;

template <class Executor, class Awaitable>
void spawn(const Executor& ex, Awaitable&& aw, std::string context) {
    asio::co_spawn(ex, std::forward<Awaitable>(aw),
                   [context = std::move(context)](std::exception_ptr e) {
                       if (e) log_escaped_exception(context, e);
                   });
}

}  // namespace tunely::transport
