#pragma once
// The original 0.12's binary data messages on a 1.1 session (shared/compat/tunely-0.12.md §2.5), sent and
// accepted only once `binary_frames` was negotiated:
//   u8 0x02 (format version) | u8 kind (0x01 tcp_data, 0x03 udp_data) | 16 bytes UUID (RFC 4122 order) | payload
// No length field (the WebSocket message delimits it), no sequence.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tunely::protocol::v1 {

enum class binary_kind : std::uint8_t {
    tcp_data = 0x01,  // conn_id of a tcp_connect
    udp_data = 0x03,  // session_id of a udp_open
};

struct binary_data {
    binary_kind kind = binary_kind::tcp_data;
    std::string id;       // the UUID in canonical lower-case text form (36 characters)
    std::string payload;  // may be empty
    bool operator==(const binary_data&) const = default;
};

// `id` must be a UUID in text form (either case); throws std::invalid_argument otherwise.
std::string encode_binary(binary_kind kind, std::string_view id, std::string_view payload);
// Empty when the message is to be dropped (§2.5): shorter than 18 bytes, another format version, a kind
// other than 0x01/0x03.
std::optional<binary_data> decode_binary(std::string_view message);

}  // namespace tunely::protocol::v1
