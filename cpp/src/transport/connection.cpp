#include "tunely/transport/connection.hpp"

#include <spdlog/spdlog.h>

#include "tunely/transport/spawn.hpp"

namespace tunely::transport {

connection::connection(std::shared_ptr<ws_channel> channel, heartbeat_options heartbeat)
    : channel_(std::move(channel)),
      outbox_(channel_->get_executor()),
      heartbeat_(heartbeat),
      last_seen_(std::chrono::steady_clock::now()),
      stop_heartbeat_(channel_->get_executor()) {
    // The outbox is a member: it cannot call this after the connection is gone.
    outbox_.on_overflow([this] { channel_->abort(); });
}

awaitable<std::string> connection::run() {
    auto self = shared_from_this();
    auto ex = get_executor();
    spawn(ex, heartbeat(), "heartbeat " + channel_->remote_address());

    struct writer_state {
        explicit writer_state(const executor& e) : finished(e) {}
        bool done = false;
        notifier finished;
    };
    auto writer = std::make_shared<writer_state>(ex);
    spawn(
        ex,
        [](std::shared_ptr<connection> c, std::shared_ptr<writer_state> w) -> awaitable<void> {
            auto ec = co_await c->outbox_.run(*c->channel_);
            if (ec) spdlog::debug("{}: write failed: {}", c->channel_->remote_address(), ec.message());
            if (c->outbox_.overflowed() && c->end_reason_.empty())
                c->end_reason_ = "the peer stopped reading (outbox limit reached)";
            // A failed write or a completed close ends the connection: unblock the reader.
            c->channel_->abort();
            w->done = true;
            w->finished.notify();
        }(self, writer),
        "writer " + channel_->remote_address());

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
    stop_heartbeat_.notify();
    if (!outbox_.closing()) outbox_.stop();
    while (!writer->done) co_await writer->finished.wait();
    co_return end_reason_;
}

void connection::close(std::uint16_t code, std::string reason) {
    if (ended_ || outbox_.closing()) return;
    end_reason_ = "closed (" + reason + ")";
    outbox_.push_close(code, std::move(reason));
}

awaitable<void> connection::heartbeat() {
    auto self = shared_from_this();
    auto next_ping = std::chrono::steady_clock::now() + heartbeat_.ping_interval;
    while (!ended_) {
        auto now = std::chrono::steady_clock::now();
        if (now - last_seen_ >= heartbeat_.idle_timeout) {
            end_reason_ = "nothing received for " + std::to_string(heartbeat_.idle_timeout.count()) + " ms";
            spdlog::info("{}: {}, closing", channel_->remote_address(), end_reason_);
            channel_->abort();
            co_return;
        }
        if (now >= next_ping) {
            send_ping();
            next_ping = now + heartbeat_.ping_interval;
        }
        co_await stop_heartbeat_.wait_until(std::min(next_ping, last_seen_ + heartbeat_.idle_timeout));
    }
}

}  // namespace tunely::transport
