#include "client_session.hpp"

#include <spdlog/spdlog.h>

#include "tunely/transport/spawn.hpp"

namespace tunely::client {

client_session::client_session(std::shared_ptr<transport::ws_channel> channel, target_pool& pool,
                               const client_options& options, const client_events& events)
    : channel_(std::move(channel)),
      outbox_(channel_->get_executor()),
      pool_(pool),
      options_(options),
      events_(events),
      last_seen_(std::chrono::steady_clock::now()),
      stop_heartbeat_(channel_->get_executor()) {}

awaitable<std::string> client_session::run() {
    auto self = shared_from_this();
    auto ex = channel_->get_executor();
    transport::spawn(ex, heartbeat(), "client heartbeat");
    auto writer_done = std::make_shared<transport::notifier>(ex);
    auto finished = std::make_shared<bool>(false);
    transport::spawn(
        ex,
        [](std::shared_ptr<client_session> s, std::shared_ptr<bool> done,
           std::shared_ptr<transport::notifier> n) -> awaitable<void> {
            auto ec = co_await s->outbox_.run(*s->channel_);
            if (ec) spdlog::debug("tunnel write failed: {}", ec.message());
            s->channel_->abort();
            *done = true;
            n->notify();
        }(self, finished, writer_done),
        "client writer");

    std::string reason = "connection closed";
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
    closed_ = true;
    abandon_all();
    stop_heartbeat_.notify();
    outbox_.stop();
    while (!*finished) co_await writer_done->wait();
    co_return end_reason_;
}

void client_session::close() {
    if (closed_) return;
    end_reason_ = "stopped";
    outbox_.push_close(1000, "Client stopping");
}

awaitable<void> client_session::heartbeat() {
    auto self = shared_from_this();
    auto next_ping = std::chrono::steady_clock::now() + options_.ping_interval;
    while (!closed_) {
        auto now = std::chrono::steady_clock::now();
        if (now - last_seen_ >= options_.idle_timeout) {
            end_reason_ = "no traffic from the server for " + std::to_string(options_.idle_timeout.count()) + " ms";
            channel_->abort();
            co_return;
        }
        if (now >= next_ping) {
            send_ping();
            next_ping = now + options_.ping_interval;
        }
        co_await stop_heartbeat_.wait_until(std::min(next_ping, last_seen_ + options_.idle_timeout));
    }
}

}  // namespace tunely::client
