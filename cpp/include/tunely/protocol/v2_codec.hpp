#pragma once
// Protocol 2 codec. Sans-I/O and total: decode() never throws and never reads
// past the input; every malformed input gives a tunely::error.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "tunely/core/result.hpp"
#include "tunely/protocol/v2_frames.hpp"

namespace tunely::protocol::v2 {

result<frame> decode(std::string_view bytes) noexcept;

// Encodes a whole frame. Precondition: the frame respects limits.hpp (callers
// split bodies into DATA frames of at most v2_max_data_payload bytes);
// violations throw std::length_error since they are programming errors.
std::string encode(const frame& f);
// The same for one alternative: no copy of the frame into a `frame` first (a head's fields would be copied).
std::string encode(const open& f);
std::string encode(const response& f);

// Whether a header block (plus `used_bytes` of target) fits the limits of an
// OPEN or RESPONSE: at most v2_max_headers fields and v2_max_head_bytes in all.
// Check this before encode() when the fields come from a peer (a target, a caller).
bool head_fits(const header_list& headers, std::size_t used_bytes = 0) noexcept;

// The stream a frame names, read from its 6-byte header alone (so a frame whose
// payload does not decode can still be tied to its stream); nullopt for session
// frames (id 0), unknown types and inputs shorter than a header.
std::optional<stream_id> frame_stream_id(std::string_view bytes) noexcept;

// The 6-byte header of a DATA frame.
std::array<char, 6> encode_data_header(stream_id id, bool end_stream) noexcept;
// A whole DATA frame from a view of the bytes (one copy, no intermediate frame
// object). Precondition: bytes.size() <= v2_max_data_payload.
std::string encode_data(stream_id id, std::string_view bytes, bool end_stream);

}  // namespace tunely::protocol::v2
