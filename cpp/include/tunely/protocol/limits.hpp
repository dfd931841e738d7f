#pragma once
// Size limits of both protocols. Each is checked by the encoder (we never send
// what a peer must reject) and by the decoder (we never accept it).
#include <cstddef>
#include <cstdint>

namespace tunely::protocol {

// Protocol 1.1: one JSON text message. Bodies travel inside, so this bounds the
// 1.1 body size as well (the server's configured cap is at most this).
inline constexpr std::size_t v1_max_message_size = 64u * 1024 * 1024;

// Protocol 2 (spec/PROTOCOL.md §Limits).
inline constexpr std::size_t v2_frame_header_size = 6;
inline constexpr std::size_t v2_max_data_payload = 64u * 1024;
inline constexpr std::size_t v2_max_head_bytes = 64u * 1024;  // target + header names and values
inline constexpr std::size_t v2_max_headers = 256;
inline constexpr std::size_t v2_max_frame_size = v2_frame_header_size + 4 + 1 + 255 + 2 + 2 +
                                                 v2_max_head_bytes + 4 * v2_max_headers + v2_max_data_payload;
inline constexpr std::size_t v2_max_reset_message = 1024;
inline constexpr std::uint32_t v2_initial_window = 256u * 1024;
inline constexpr std::uint32_t v2_max_window = 16u * 1024 * 1024;

// Capability string that selects protocol 2 in auth / auth_ok.
inline constexpr const char* capability_v2 = "tunely/2";
// Protocol 2 streams may carry HTTP upgrades (WebSocket): spec/PROTOCOL.md §2.12.
inline constexpr const char* capability_upgrade = "tunely/2+upgrade";
// Several frames may share one WebSocket message (BATCH): spec/PROTOCOL.md §2.4.8.
inline constexpr const char* capability_batch = "tunely/2+batch";
// Raw TCP / UDP tunnel streams (OPEN with flag_raw): spec/PROTOCOL.md §2.15.
inline constexpr const char* capability_tcp = "tunely/2+tcp";
inline constexpr const char* capability_udp = "tunely/2+udp";
// Our 1.1 clients (protocol 2 off on either side) carry the original's TCP wire (tcp_connect, JSON tcp_data,
// tcp_close; tunely-0.12.md §2): a name of our namespace, so bodies stay exact text (spec §1.6).
inline constexpr const char* capability_v1_tcp = "tunely/tcp";
// The original 0.12's capabilities on a 1.1 session (shared/compat/tunely-0.12.md §1): binary tcp_data /
// udp_data messages (v1_binary.hpp), and UDP tunnels (udp_open/udp_close).
inline constexpr const char* capability_binary_frames = "binary_frames";
inline constexpr const char* capability_v1_udp = "udp";

}  // namespace tunely::protocol
