#include "tunely/transport/task_group.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/system/system_error.hpp>

#include "tunely/transport/spawn.hpp"

namespace tunely::transport {

void task_group::spawn(awaitable<void> task, std::string context) {
    auto it = children_.emplace(children_.end());
    asio::co_spawn(ex_, std::move(task),
                   asio::bind_cancellation_slot(
                       it->signal.slot(), [this, it, context = std::move(context)](std::exception_ptr e) {
                           bool routine = false;
                           if (e && it->cancelled) {  // what cancel() asked for
                               try {
                                   std::rethrow_exception(e);
                               } catch (const boost::system::system_error& ex) {
                                   routine = ex.code() == asio::error::operation_aborted;
                               } catch (...) {
                               }
                           }
                           if (e && !routine) log_escaped_exception(context, e);
                           children_.erase(it);
                           done_.notify();
                       }));
}

void task_group::cancel() {
    for (auto it = children_.begin(); it != children_.end();) {
        auto& c = *it++;  // advanced first: nothing here may rely on `c` staying in the list
        if (c.cancelled) continue;
        c.cancelled = true;
        c.signal.emit(asio::cancellation_type::terminal);
    }
}

awaitable<void> task_group::join() {
    while (!children_.empty()) co_await done_.wait();
}

}  // namespace tunely::transport
