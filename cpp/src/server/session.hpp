#pragma once
// One authenticated tunnel WebSocket on the server side. The base class owns
// the channel, the outbox, the heartbeat and the exchange bookkeeping; the
// protocol subclasses (session_v1, session_v2) translate frames.
//
// Not thread-safe: everything runs on the channel's executor.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tunely/server/exchange.hpp"
#include "tunely/server/options.hpp"
#include "tunely/server/session_info.hpp"
#include "tunely/transport/outbox.hpp"
#include "tunely/transport/ws_channel.hpp"

namespace tunely::server {

class session : public exchange_sink, public std::enable_shared_from_this<session> {
public:
    session(std::shared_ptr<transport::ws_channel> channel, session_info info,
            const server_options& options);
    ~session() override;

    const session_info& info() const noexcept { return info_; }
    session_info& info() noexcept { return info_; }
    executor get_executor() { return channel_->get_executor(); }

    // Opens an exchange for one request. Fails with tunnel_disconnected when
    // the session is closing.
    virtual result<std::shared_ptr<exchange>> open_exchange(request_head head) = 0;
    virtual std::size_t in_flight() const noexcept = 0;

    // Runs the session until it ends (peer close, error, idle timeout, close()).
    // Every open exchange fails with tunnel_disconnected before it returns.
    awaitable<void> run();
    // Asks the session to close with `code`/`reason` after queued frames.
    void close(std::uint16_t code, std::string reason);
    bool closed() const noexcept { return closed_; }
    // Queues a text frame (the handshake's auth_ok goes first this way).
    void send_text(std::string text) { outbox_.push_text(std::move(text)); }

protected:
    virtual void on_frame(std::string_view payload, bool text) = 0;
    virtual void send_ping() = 0;
    virtual void fail_all(std::error_code reason) = 0;

    void touch() noexcept { last_seen_ = std::chrono::steady_clock::now(); }

    std::shared_ptr<transport::ws_channel> channel_;
    transport::outbox outbox_;
    session_info info_;
    const server_options& options_;

private:
    awaitable<void> read_loop();
    awaitable<void> heartbeat();

    std::chrono::steady_clock::time_point last_seen_;
    bool closed_ = false;
    transport::notifier stop_heartbeat_;
};

std::shared_ptr<session> make_session_v1(std::shared_ptr<transport::ws_channel> channel,
                                         session_info info, const server_options& options);
std::shared_ptr<session> make_session_v2(std::shared_ptr<transport::ws_channel> channel,
                                         session_info info, const server_options& options);

}  // namespace tunely::server
