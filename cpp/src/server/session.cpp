#include "session.hpp"

#include "tunely/core/error.hpp"

namespace tunely::server {

session::session(std::shared_ptr<transport::ws_channel> channel, session_info info, const server_options& options)
    : connection(std::move(channel), {options.ping_interval, options.idle_timeout},
                 {options.max_queued_frames, options.max_queued_bytes}),
      info_(std::move(info)),
      options_(options) {}

session_info session::snapshot() const {
    session_info out;
    {
        std::lock_guard lock(mode_mutex_);
        out = info_;  // (the other fields never change after authentication)
    }
    out.tcp_connections = live_.tcp_connections.load(std::memory_order_relaxed);
    out.udp_sessions = live_.udp_sessions.load(std::memory_order_relaxed);
    out.bytes_in = live_.bytes_in.load(std::memory_order_relaxed);
    out.bytes_out = live_.bytes_out.load(std::memory_order_relaxed);
    out.requests = live_.requests.load(std::memory_order_relaxed);
    return out;
}

void session::set_mode(std::string mode) {
    std::lock_guard lock(mode_mutex_);
    info_.mode = std::move(mode);
}

void session::close(std::uint16_t code, std::string reason) {
    if (closed()) return;
    closed_hint_.store(true, std::memory_order_relaxed);
    fail_all(make_error_code(error::tunnel_disconnected));
    connection::close(code, std::move(reason));
}

void session::on_ended() {
    closed_hint_.store(true, std::memory_order_relaxed);
    fail_all(make_error_code(error::tunnel_disconnected));
}

}  // namespace tunely::server
