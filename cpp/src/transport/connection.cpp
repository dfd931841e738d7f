#include "tunely/transport/connection.hpp"

#include <spdlog/spdlog.h>

#include "tunely/transport/spawn.hpp"

namespace tunely::transport {

connection::connection(std::shared_ptr<ws_channel> channel, heartbeat_options heartbeat, outbox_limits limits)
    : channel_(std::move(channel)),
      outbox_(channel_->get_executor(), limits),
      heartbeat_(heartbeat),
      last_seen_(std::chrono::steady_clock::now()),
      heartbeat_timer_(channel_->get_executor()) {
    // The outbox is a member: it cannot call this after the connection is gone.
    outbox_.on_overflow([this] { channel_->abort(); });
}

namespace {

// A child coroutine of run(): `done` is set however the child ends (an
// exception is logged by spawn), so run() can always join it.
struct child_state {
    explicit child_state(const executor& e) : finished(e) {}
    bool done = false;
    notifier finished;
};

awaitable<void> as_child(std::shared_ptr<child_state> state, awaitable<void> task) {
    std::exception_ptr escaped;
    try {
        co_await std::move(task);
    } catch (...) {
        escaped = std::current_exception();
    }
    state->done = true;
    state->finished.notify();
    if (escaped) std::rethrow_exception(escaped);
}

}  // namespace

awaitable<void> connection::write_loop() {
    auto ec = co_await outbox_.run(*channel_);
    if (ec) spdlog::debug("{}: write failed: {}", channel_->remote_address(), ec.message());
    if (outbox_.overflowed() && end_reason_.empty()) end_reason_ = "the peer stopped reading (outbox limit reached)";
    // A failed write or a completed close ends the connection: unblock the reader.
    channel_->abort();
}

awaitable<std::string> connection::run() {
    auto self = shared_from_this();
    auto ex = get_executor();
    // The writer is joined before run() returns (`self` keeps this alive meanwhile); the heartbeat's timer is
    // cancelled.
    next_ping_ = std::chrono::steady_clock::now() + heartbeat_.ping_interval;
    arm_heartbeat();
    auto writer = std::make_shared<child_state>(ex);
    spawn(ex, as_child(writer, write_loop()), "writer " + channel_->remote_address());

    for (;;) {
        std::string_view payload;
        bool text = false;
        auto ec = co_await channel_->read(payload, text);
        if (ec) {
            if (end_reason_.empty()) end_reason_ = ec.message();
            break;
        }
        last_seen_ = std::chrono::steady_clock::now();
        on_frame(payload, text);
    }
    ended_ = true;
    on_ended();
    heartbeat_timer_.cancel();
    if (!outbox_.closing()) outbox_.stop();
    while (!writer->done) co_await writer->finished.wait();
    co_await join_children();
    co_return end_reason_;
}

void connection::close(std::uint16_t code, std::string reason) {
    if (ended_ || outbox_.closing()) return;
    end_reason_ = "closed (" + reason + ")";
    outbox_.push_close(code, std::move(reason));
}

void connection::arm_heartbeat() {
    heartbeat_timer_.expires_at(std::min(next_ping_, last_seen_ + heartbeat_.idle_timeout));
    heartbeat_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (ec) return;  // cancelled: the connection ended
        if (auto self = weak.lock()) self->on_heartbeat();
    });
}

void connection::on_heartbeat() {
    if (ended_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_seen_ >= heartbeat_.idle_timeout) {
        end_reason_ = "nothing received for " + std::to_string(heartbeat_.idle_timeout.count()) + " ms";
        spdlog::info("{}: {}, closing", channel_->remote_address(), end_reason_);
        channel_->abort();
        return;
    }
    if (now >= next_ping_) {
        send_ping();
        next_ping_ = now + heartbeat_.ping_interval;
    }
    arm_heartbeat();
}

}  // namespace tunely::transport
