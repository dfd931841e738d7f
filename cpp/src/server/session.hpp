#pragma once
// One authenticated tunnel WebSocket on the server side: a transport
// connection plus the exchange bookkeeping; the protocol subclasses
// (session_v1, session_v2) translate frames.
//
// Not thread-safe: everything runs on the channel's executor.
#include <memory>
#include <string>

#include "tunely/server/exchange.hpp"
#include "tunely/server/options.hpp"
#include "tunely/server/session_info.hpp"
#include "tunely/transport/connection.hpp"

namespace tunely::server {

class session : public transport::connection {
public:
    session(std::shared_ptr<transport::ws_channel> channel, session_info info, const server_options& options);

    const session_info& info() const noexcept { return info_; }
    void set_mode(std::string mode) { info_.mode = std::move(mode); }

    // Opens an exchange for one request. Fails with tunnel_disconnected when
    // the session is closing.
    virtual result<std::shared_ptr<exchange>> open_exchange(request_head head) = 0;
    virtual std::size_t in_flight() const noexcept = 0;
    // Graceful stop: no new exchanges (open_exchange fails), protocol 2 sends
    // GOAWAY, and the session closes itself once the exchanges in flight ended.
    virtual void go_away() = 0;

    // Every open exchange fails with tunnel_disconnected at once, then the
    // close frame goes out after the frames queued before it.
    void close(std::uint16_t code, std::string reason);
    bool closed() const noexcept { return ended() || outbox_.closing(); }
    // Queues a text frame (the handshake's auth_ok goes first this way).
    void send_text(std::string text) { outbox_.push_text(std::move(text)); }

protected:
    virtual void fail_all(std::error_code reason) = 0;
    void on_ended() override;

    session_info info_;
    const server_options& options_;
};

std::shared_ptr<session> make_session_v1(std::shared_ptr<transport::ws_channel> channel, session_info info,
                                         const server_options& options);
std::shared_ptr<session> make_session_v2(std::shared_ptr<transport::ws_channel> channel, session_info info,
                                         const server_options& options);

}  // namespace tunely::server
