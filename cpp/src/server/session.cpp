#include "session.hpp"

#include <spdlog/spdlog.h>

#include "tunely/core/error.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::server {

session::session(std::shared_ptr<transport::ws_channel> channel, session_info info,
                 const server_options& options)
    : channel_(std::move(channel)),
      outbox_(channel_->get_executor()),
      info_(std::move(info)),
      options_(options),
      last_seen_(std::chrono::steady_clock::now()),
      stop_heartbeat_(channel_->get_executor()) {}

session::~session() = default;

awaitable<void> session::run() {
    auto self = shared_from_this();
    transport::spawn(get_executor(), heartbeat(), "heartbeat " + info_.domain);
    bool writer_done = false;
    transport::notifier writer_finished(get_executor());
    transport::spawn(
        get_executor(),
        [](std::shared_ptr<session> s, bool& done, transport::notifier& n) -> awaitable<void> {
            auto ec = co_await s->outbox_.run(*s->channel_);
            if (ec) spdlog::debug("session {}: write failed: {}", s->info_.domain, ec.message());
            // A failed write or a completed close ends the session: unblock the reader.
            s->channel_->abort();
            done = true;
            n.notify();
        }(self, writer_done, writer_finished),
        "writer " + info_.domain);

    co_await read_loop();

    closed_ = true;
    fail_all(make_error_code(error::tunnel_disconnected));
    stop_heartbeat_.notify();
    if (!outbox_.closing()) outbox_.stop();
    while (!writer_done) co_await writer_finished.wait();
}

awaitable<void> session::read_loop() {
    for (;;) {
        std::string_view payload;
        bool text = false;
        auto ec = co_await channel_->read(payload, text);
        if (ec) {
            spdlog::debug("session {}: read ended: {}", info_.domain, ec.message());
            co_return;
        }
        touch();
        on_frame(payload, text);
    }
}

awaitable<void> session::heartbeat() {
    auto self = shared_from_this();
    auto next_ping = std::chrono::steady_clock::now() + options_.ping_interval;
    while (!closed_) {
        auto now = std::chrono::steady_clock::now();
        if (now - last_seen_ >= options_.idle_timeout) {
            spdlog::info("session {}: silent for {} ms, closing", info_.domain,
                         options_.idle_timeout.count());
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

void session::close(std::uint16_t code, std::string reason) {
    if (closed_) return;
    fail_all(make_error_code(error::tunnel_disconnected));
    outbox_.push_close(code, std::move(reason));
}

}  // namespace tunely::server
