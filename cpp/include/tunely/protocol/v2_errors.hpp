#pragma once
// RESET codes ↔ tunely::error (spec/PROTOCOL.md §2.7).
#include "tunely/core/error.hpp"
#include "tunely/protocol/v2_frames.hpp"

namespace tunely::protocol::v2 {

inline error to_error(reset_code code) noexcept {
    switch (code) {
    case reset_code::target_unavailable: return error::target_unavailable;
    case reset_code::target_timeout: return error::target_timeout;
    case reset_code::timeout: return error::request_timeout;
    case reset_code::cancel:
    case reset_code::refused: return error::stream_cancelled;
    case reset_code::flow_control: return error::flow_control_violation;
    // A peer's protocol error is the tunnel's failure, not the caller's bad request (502, not 400).
    case reset_code::protocol_error: return error::target_error;
    default: return error::target_error;
    }
}

inline reset_code to_reset_code(error e) noexcept {
    switch (e) {
    case error::target_unavailable: return reset_code::target_unavailable;
    case error::target_timeout: return reset_code::target_timeout;
    case error::request_timeout: return reset_code::timeout;
    case error::stream_cancelled:
    case error::idle_timeout:
    case error::shutting_down: return reset_code::cancel;
    case error::flow_control_violation: return reset_code::flow_control;
    case error::malformed_frame:
    case error::invalid_response:
    case error::invalid_field:
    case error::invalid_path: return reset_code::protocol_error;
    case error::target_error:
    case error::body_too_large: return reset_code::target_error;
    default: return reset_code::internal;
    }
}

}  // namespace tunely::protocol::v2
