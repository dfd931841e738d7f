#pragma once
// One authenticated tunnel WebSocket on the server side: a transport
// connection plus the exchange bookkeeping; the protocol subclasses
// (session_v1, session_v2) translate frames.
//
// Runs on the channel's executor (its I/O thread): everything there, except the members marked "any thread"
// — what the registry and the admin API read from other threads.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "tunely/server/exchange.hpp"
#include "tunely/server/options.hpp"
#include "tunely/server/session_info.hpp"
#include "tunely/transport/connection.hpp"

namespace tunely::server {

class session : public transport::connection {
public:
    session(std::shared_ptr<transport::ws_channel> channel, session_info info, const server_options& options);

    // On the session's executor: what it was authenticated with (the counters in it are not kept up to date).
    const session_info& info() const noexcept { return info_; }
    // Any thread: the info with the live counters and mode.
    session_info snapshot() const;
    // On the session's executor (the mode is read there unlocked).
    void set_mode(std::string mode);
    // Any thread: exchanges, TCP connections and UDP sessions in flight.
    std::size_t in_flight() const noexcept {
        return static_cast<std::size_t>(live_.http_streams + live_.tcp_connections + live_.udp_sessions);
    }

    // Opens an exchange for one request. Fails with tunnel_disconnected when
    // the session is closing.
    virtual result<std::shared_ptr<exchange>> open_exchange(request_head head) = 0;
    // Graceful stop: no new exchanges (open_exchange fails), protocol 2 sends
    // GOAWAY, and the session closes itself once the exchanges in flight ended.
    virtual void go_away() = 0;

    // Every open exchange fails with tunnel_disconnected at once, then the
    // close frame goes out after the frames queued before it.
    void close(std::uint16_t code, std::string reason);
    bool closed() const noexcept { return ended() || outbox_.closing(); }
    // Any thread: closed(), as last seen from the session's executor (a find() there re-checks).
    bool closed_hint() const noexcept { return closed_hint_.load(std::memory_order_relaxed); }
    // Queues a text frame (the handshake's auth_ok goes first this way).
    void send_text(std::string text) { outbox_.push_text(std::move(text)); }

protected:
    virtual void fail_all(std::error_code reason) = 0;
    void on_ended() override;

    // Written on the session's executor only; read by snapshot() and in_flight() from any thread.
    struct live_counters {
        std::atomic<std::int64_t> http_streams{0};
        std::atomic<std::int64_t> tcp_connections{0};
        std::atomic<std::int64_t> udp_sessions{0};
        std::atomic<std::int64_t> bytes_in{0};
        std::atomic<std::int64_t> bytes_out{0};
        std::atomic<std::int64_t> requests{0};
    };

    session_info info_;
    live_counters live_;
    mutable std::mutex mode_mutex_;  // info_.mode: written on the executor under it, read elsewhere under it
    std::atomic<bool> closed_hint_{false};
    const server_options& options_;
};

std::shared_ptr<session> make_session_v1(std::shared_ptr<transport::ws_channel> channel, session_info info,
                                         const server_options& options);
std::shared_ptr<session> make_session_v2(std::shared_ptr<transport::ws_channel> channel, session_info info,
                                         const server_options& options);

}  // namespace tunely::server
