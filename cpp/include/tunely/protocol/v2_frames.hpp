#pragma once
// Protocol 2 frames (spec/PROTOCOL.md §2). One frame per binary WebSocket message:
//   u8 type | u8 flags | u32 stream_id (big-endian) | payload
#include <cstdint>
#include <string>
#include <variant>

#include "tunely/core/header_list.hpp"

namespace tunely::protocol::v2 {

using stream_id = std::uint32_t;

enum class frame_type : std::uint8_t {
    open = 0x01,      // S→C: request head, opens a stream
    response = 0x02,  // C→S: response head
    data = 0x03,      // both: body bytes
    window = 0x04,    // both: flow-control credit for a stream
    reset = 0x05,     // both: abort a stream
    ping = 0x06,      // both: liveness probe (stream 0)
    pong = 0x07,      // both: answer to ping (stream 0)
    goaway = 0x08,    // both: no new streams; finish the open ones
};

inline constexpr std::uint8_t flag_end_stream = 0x01;
// On OPEN and RESPONSE: the bytes after the header block are the first body
// bytes (a small body travels with its head in one message).
inline constexpr std::uint8_t flag_body = 0x02;
// On OPEN only (capabilities tunely/2+tcp, tunely/2+udp): the stream is a raw
// byte stream of a TCP or UDP tunnel, not an HTTP exchange; `method` names its
// kind (method_tcp, method_udp). spec/PROTOCOL.md §2.15.
inline constexpr std::uint8_t flag_raw = 0x04;
inline constexpr const char* method_tcp = "TCP";
inline constexpr const char* method_udp = "UDP";

// Why a stream was reset. Values are wire values: never renumber.
enum class reset_code : std::uint16_t {
    cancel = 1,               // the sender no longer wants the stream (caller left, client stopping)
    target_unavailable = 2,   // client could not reach the target (→ 503)
    target_timeout = 3,       // target did not answer in time (→ 504)
    target_error = 4,         // target failed mid-response or other client-side failure (→ 502)
    protocol_error = 5,       // the stream broke a protocol rule
    flow_control = 6,         // the peer exceeded its window
    refused = 7,              // stream refused before any processing (e.g. client shutting down)
    timeout = 8,              // the server's request deadline expired (→ 504 on the server)
    internal = 9,
};

struct open {
    stream_id id = 0;
    bool end_stream = false;     // no request body follows
    std::uint32_t timeout_ms = 0;  // 0 = no deadline given
    std::string method;
    std::string target;  // origin-form: path + optional ?query, starts with '/'
    header_list headers;
    std::string body;  // first body bytes, carried inline (flag_body); counts against credit
    // flag_raw: a TCP/UDP tunnel stream (method names the kind). Last member, so that positional
    // aggregate initialisers written before it existed keep their meaning.
    bool raw = false;
    bool operator==(const open&) const = default;
};

struct response {
    stream_id id = 0;
    bool end_stream = false;  // no response body follows
    std::uint16_t status = 0;
    header_list headers;
    std::string body;  // first body bytes, carried inline (flag_body); counts against credit
    bool operator==(const response&) const = default;
};

struct data {
    stream_id id = 0;
    bool end_stream = false;
    std::string bytes;
    bool operator==(const data&) const = default;
};

struct window {
    stream_id id = 0;
    std::uint32_t increment = 0;
    bool operator==(const window&) const = default;
};

struct reset {
    stream_id id = 0;
    reset_code code = reset_code::cancel;
    std::string message;
    bool operator==(const reset&) const = default;
};

struct ping {
    std::uint64_t opaque = 0;
    bool operator==(const ping&) const = default;
};

struct pong {
    std::uint64_t opaque = 0;
    bool operator==(const pong&) const = default;
};

struct goaway {
    stream_id last_stream_id = 0;
    reset_code code = reset_code::cancel;
    std::string message;
    bool operator==(const goaway&) const = default;
};

using frame = std::variant<open, response, data, window, reset, ping, pong, goaway>;

const char* type_name(const frame& f) noexcept;

}  // namespace tunely::protocol::v2
