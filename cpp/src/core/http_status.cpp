#include "tunely/core/http_status.hpp"

namespace tunely {

unsigned http_status(error e) noexcept {
    switch (e) {
    case error::ok: return 200;
    case error::invalid_domain:
    case error::invalid_path:
    case error::invalid_field:
    case error::missing_field:
    case error::malformed_frame: return 400;
    case error::auth_failed:
    case error::auth_timeout: return 401;
    case error::tunnel_not_found: return 404;
    case error::tcp_mode: return 410;  // as the original answers HTTP ingress on a TCP-mode tunnel
    case error::connection_exists:
    case error::store_conflict: return 409;
    case error::body_too_large:
    case error::frame_too_large: return 413;
    case error::body_not_utf8: return 415;  // raised for request bodies a 1.1 client cannot receive
    case error::headers_too_large: return 431;
    case error::tunnel_not_connected:
    case error::target_unavailable:
    case error::store_unavailable:
    case error::shutting_down:
    case error::too_many_streams:
    case error::too_many_connections: return 503;
    case error::request_timeout:
    case error::idle_timeout:
    case error::target_timeout: return 504;
    case error::tunnel_disconnected:
    case error::stream_cancelled:
    case error::unknown_message:
    case error::flow_control_violation:
    case error::target_error:
    case error::invalid_response: return 502;
    case error::schema_too_new: return 500;
    case error::upgrade_not_supported:
    case error::tcp_not_supported:
    case error::udp_not_supported: return 501;
    }
    return 500;
}

unsigned http_status(const std::error_code& ec) noexcept {
    if (!ec) return 200;
    if (ec.category() == error_category()) return http_status(static_cast<error>(ec.value()));
    return 502;
}

}  // namespace tunely
