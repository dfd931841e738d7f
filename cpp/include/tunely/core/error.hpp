#pragma once
// The one error vocabulary of Tunely. Every module reports expected failures as
// tunely::error values (wrapped in std::error_code via tunely::error_category);
// http_status() in http_status.hpp is the single place they become HTTP statuses.
// The TypeScript SDK mirrors error_code_name() strings: keep them stable.
#include <string_view>
#include <system_error>

namespace tunely {

enum class error {
    ok = 0,
    // protocol: a frame that cannot be decoded or breaks a protocol rule
    malformed_frame,
    frame_too_large,
    unknown_message,
    missing_field,
    invalid_field,
    body_not_utf8,
    flow_control_violation,
    // tunnels and sessions
    invalid_domain,
    invalid_path,
    tunnel_not_found,
    tunnel_not_connected,
    tunnel_disconnected,
    auth_failed,
    auth_timeout,
    connection_exists,
    // streams
    request_timeout,
    stream_cancelled,
    target_unavailable,
    target_timeout,
    target_error,
    headers_too_large,
    body_too_large,
    // store
    store_unavailable,
    store_conflict,
    schema_too_new,
    // lifecycle
    shutting_down,
    // added later (values are stable: append only)
    upgrade_not_supported,
    invalid_response,  // a tunnel client's response head breaks HTTP's rules (status, fields, framing)
    too_many_streams,  // the session already carries its maximum of exchanges in flight
    too_many_connections,  // the tunnel already carries its maximum of TCP connections
    tcp_not_supported,     // the tunnel client cannot carry TCP connections
    idle_timeout,          // a TCP connection carried nothing either way for its idle timeout
    tcp_mode,              // HTTP ingress for a tunnel in mode tcp (it serves its TCP listener only)
    udp_not_supported,     // the tunnel client cannot carry UDP sessions
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

// Stable snake_case name, e.g. "tunnel_not_connected" (the SDKs' string codes).
std::string_view error_code_name(error e) noexcept;

}  // namespace tunely

template <>
struct std::is_error_code_enum<tunely::error> : std::true_type {};
