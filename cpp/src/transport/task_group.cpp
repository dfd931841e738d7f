#include "tunely/transport/task_group.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include "tunely/transport/spawn.hpp"

namespace tunely::transport {

void task_group::spawn(awaitable<void> task, std::string context) { spawn(ex_, std::move(task), std::move(context)); }

void task_group::spawn(const executor& on, awaitable<void> task, std::string context) {
    auto c = std::make_shared<child>(on);
    std::list<std::shared_ptr<child>>::iterator it;
    {
        std::lock_guard lock(mutex_);
        it = children_.insert(children_.end(), c);
    }
    auto slot = c->signal.slot();
    // The completion runs on `on` (the handler has no executor of its own), like every emit of cancel().
    asio::co_spawn(on, std::move(task),
                   asio::bind_cancellation_slot(slot, [this, it, c, context = std::move(context)](std::exception_ptr e) {
                       c->ended = true;
                       bool cancelled;
                       {
                           std::lock_guard lock(mutex_);
                           cancelled = c->cancelled;
                       }
                       bool routine = false;
                       if (e && cancelled) {  // what cancel() asked for
                           try {
                               std::rethrow_exception(e);
                           } catch (const boost::system::system_error& ex) {
                               routine = ex.code() == asio::error::operation_aborted;
                           } catch (...) {
                           }
                       }
                       if (e && !routine) log_escaped_exception(context, e);
                       executor home;
                       std::shared_ptr<notifier> done;
                       {
                           std::lock_guard lock(mutex_);
                           home = ex_;
                           done = done_;
                           children_.erase(it);  // last use of `this`: join() may now see the group empty
                       }
                       asio::dispatch(home, [done] { done->notify(); });  // join() waits there
                   }));
}

void task_group::cancel() {
    std::lock_guard lock(mutex_);
    for (auto& c : children_) {
        if (c->cancelled) continue;
        c->cancelled = true;
        // On the child's executor, posted (never run inline under the lock: what the emit completes may spawn or
        // end children); a child that ended meanwhile is left alone.
        asio::post(c->ex, [c] {
            if (!c->ended) c->signal.emit(asio::cancellation_type::terminal);
        });
    }
}

awaitable<void> task_group::join() {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (children_.empty()) co_return;
        }
        co_await done_->wait();
    }
}

}  // namespace tunely::transport
