#pragma once
// One authenticated connection on the client side: a transport connection plus
// the target pool and the request events; session_v1/session_v2 translate
// frames into target calls. Not thread-safe: one executor.
//
// Ownership: the session owns what its stream coroutines use (a share of the
// target pool, its own copy of the options and events), and run() does not
// return before every stream coroutine it spawned (spawn_stream) has ended, so
// nothing a stream touches can be destroyed under it.
#include <memory>

#include "target_pool.hpp"
#include "tunely/client/tunnel_client.hpp"
#include "tunely/transport/connection.hpp"
#include "tunely/transport/done_signal.hpp"
#include "tunely/transport/notifier.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::client {

class client_session : public transport::connection {
public:
    client_session(std::shared_ptr<transport::ws_channel> channel, std::shared_ptr<target_pool> pool,
                   client_options options, client_events events)
        : connection(std::move(channel), {options.ping_interval, options.idle_timeout}),
          pool_(std::move(pool)),
          options_(std::move(options)),
          events_(std::move(events)),
          streams_done_(get_executor()) {}

    // Closes the connection (Ctrl-C): in-flight requests are abandoned.
    void close() { connection::close(1000, "Client stopping"); }
    // The server sent GOAWAY: reconnect at once once this session ended (no backoff).
    bool went_away() const noexcept { return went_away_; }

protected:
    void report(const request_summary& s) const {
        if (events_.on_request) events_.on_request(s);
    }

    // Runs `task` as a child of this session: joined before run() returns.
    void spawn_stream(awaitable<void> task) {
        ++streams_running_;
        transport::spawn(get_executor(), owned(std::static_pointer_cast<client_session>(shared_from_this()),
                                               std::move(task)),
                         "stream");
    }

    awaitable<void> join_children() override {
        while (streams_running_ > 0) co_await streams_done_.wait();
    }

    std::shared_ptr<target_pool> pool_;
    const client_options options_;
    const client_events events_;
    bool went_away_ = false;

private:
    static awaitable<void> owned(std::shared_ptr<client_session> self, awaitable<void> task) {
        std::exception_ptr escaped;
        try {
            co_await std::move(task);
        } catch (...) {
            escaped = std::current_exception();
        }
        --self->streams_running_;
        self->streams_done_.notify();
        if (escaped) std::rethrow_exception(escaped);  // logged by transport::spawn
    }

    std::size_t streams_running_ = 0;
    transport::notifier streams_done_;
};

// What a 1.1 server agreed to, from its auth_ok.
struct v1_features {
    bool json_bodies = false;    // it JSON-encodes `request.body` (an original server, see tunnel_client.cpp)
    bool binary_frames = false;  // it echoed binary_frames: binary tcp_data/udp_data messages are accepted
    bool udp = false;            // it echoed udp (and binary_frames, which carries the datagrams): udp_open served
};
std::shared_ptr<client_session> make_client_session_v1(std::shared_ptr<transport::ws_channel> channel,
                                                       std::shared_ptr<target_pool> pool,
                                                       const client_options& options, const client_events& events,
                                                       v1_features features);
// batching: the server echoed tunely/2+batch; tcp, udp: it echoed tunely/2+tcp, tunely/2+udp (raw TCP, UDP
// OPENs are served, else refused).
std::shared_ptr<client_session> make_client_session_v2(std::shared_ptr<transport::ws_channel> channel,
                                                       std::shared_ptr<target_pool> pool,
                                                       const client_options& options, const client_events& events,
                                                       bool batching, bool tcp, bool udp);

}  // namespace tunely::client
