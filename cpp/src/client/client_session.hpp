#pragma once
// One authenticated connection on the client side. The base owns the channel,
// outbox, heartbeat and the target pool; session_v1/session_v2 translate frames
// into target calls. Not thread-safe: one executor.
#include <chrono>
#include <memory>

#include "target_pool.hpp"
#include "tunely/client/tunnel_client.hpp"
#include "tunely/transport/outbox.hpp"
#include "tunely/transport/ws_channel.hpp"

namespace tunely::client {

class client_session : public std::enable_shared_from_this<client_session> {
public:
    client_session(std::shared_ptr<transport::ws_channel> channel, target_pool& pool,
                   const client_options& options, const client_events& events);
    virtual ~client_session() = default;

    // Serves until the connection ends; returns the reason.
    awaitable<std::string> run();
    // Closes the connection (Ctrl-C): in-flight requests are abandoned.
    void close();

protected:
    virtual void on_frame(std::string_view payload, bool text) = 0;
    virtual void send_ping() = 0;
    virtual void abandon_all() = 0;

    void report(const request_summary& s) const {
        if (events_.on_request) events_.on_request(s);
    }

    std::shared_ptr<transport::ws_channel> channel_;
    transport::outbox outbox_;
    target_pool& pool_;
    const client_options& options_;
    const client_events& events_;
    bool closed_ = false;

private:
    awaitable<void> heartbeat();

    std::chrono::steady_clock::time_point last_seen_;
    transport::notifier stop_heartbeat_;
    std::string end_reason_;
};

std::shared_ptr<client_session> make_client_session_v1(std::shared_ptr<transport::ws_channel> channel,
                                                       target_pool& pool, const client_options& options,
                                                       const client_events& events);
std::shared_ptr<client_session> make_client_session_v2(std::shared_ptr<transport::ws_channel> channel,
                                                       target_pool& pool, const client_options& options,
                                                       const client_events& events);

}  // namespace tunely::client
