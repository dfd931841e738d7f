#pragma once
// Protocol 1.1 codec: one JSON object per text frame. Sans-I/O and total:
// decode() never throws on any input; it returns a message or a tunely::error
// (malformed_frame, frame_too_large, unknown_message, missing_field, invalid_field).
#include <string>
#include <string_view>

#include "tunely/core/result.hpp"
#include "tunely/protocol/v1_messages.hpp"

namespace tunely::protocol::v1 {

result<message> decode(std::string_view text) noexcept;

// Compact JSON; optional fields at their default are omitted except where
// original clients require them (response.body/error are written as null).
std::string encode(const message& m);

}  // namespace tunely::protocol::v1
