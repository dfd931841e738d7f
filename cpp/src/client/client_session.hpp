#pragma once
// One authenticated connection on the client side: a transport connection plus
// the target pool and the request events; session_v1/session_v2 translate
// frames into target calls. Not thread-safe: one executor.
#include <memory>

#include "target_pool.hpp"
#include "tunely/client/tunnel_client.hpp"
#include "tunely/transport/connection.hpp"

namespace tunely::client {

class client_session : public transport::connection {
public:
    client_session(std::shared_ptr<transport::ws_channel> channel, target_pool& pool, const client_options& options,
                   const client_events& events)
        : connection(std::move(channel), {options.ping_interval, options.idle_timeout}),
          pool_(pool),
          options_(options),
          events_(events) {}

    // Closes the connection (Ctrl-C): in-flight requests are abandoned.
    void close() { connection::close(1000, "Client stopping"); }

protected:
    void report(const request_summary& s) const {
        if (events_.on_request) events_.on_request(s);
    }

    target_pool& pool_;
    const client_options& options_;
    const client_events& events_;
};

std::shared_ptr<client_session> make_client_session_v1(std::shared_ptr<transport::ws_channel> channel,
                                                       target_pool& pool, const client_options& options,
                                                       const client_events& events);
std::shared_ptr<client_session> make_client_session_v2(std::shared_ptr<transport::ws_channel> channel,
                                                       target_pool& pool, const client_options& options,
                                                       const client_events& events,
                                                       bool batching);

}  // namespace tunely::client
