#include "session.hpp"

#include "tunely/core/error.hpp"

namespace tunely::server {

session::session(std::shared_ptr<transport::ws_channel> channel, session_info info, const server_options& options)
    : connection(std::move(channel), {options.ping_interval, options.idle_timeout},
                 {options.max_queued_frames, options.max_queued_bytes}),
      info_(std::move(info)),
      options_(options) {}

void session::close(std::uint16_t code, std::string reason) {
    if (closed()) return;
    fail_all(make_error_code(error::tunnel_disconnected));
    connection::close(code, std::move(reason));
}

void session::on_ended() { fail_all(make_error_code(error::tunnel_disconnected)); }

}  // namespace tunely::server
