#pragma once
// HTTP/1.x message heads and chunk framing written into one flat buffer.
//
// Why not Beast's serializer here: on the per-request path (the server's response to a caller, the client's
// request to its target) Beast's serializer walks a concatenated buffer view of its field list for every
// write, which cost 13–15 % of both processes' CPU at 1 KB per request (bench/README.md), and Beast's fields
// allocate once per field. These functions append to one string that leaves with the first body bytes in one
// gather write. Parsing stays Beast's.
//
// Contract: names, values, method and target were checked before (check_response_head(), the protocol
// decoders: no CR, LF or NUL); nothing here validates. Pure functions, no I/O; thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

namespace tunely::transport {

// How a body is delimited on the wire (RFC 9112 §6).
enum class body_framing {
    none,     // no body (HEAD answers, 1xx/204/304, bodyless requests)
    length,   // Content-Length is among the fields: the bytes as they are
    chunked,  // Transfer-Encoding: chunked, added by the head writer
    close,    // HTTP/1.0 response without a length: the body ends with the connection
};

// "HTTP/1.x STATUS Reason\r\n"; version is 10 or 11.
void append_status_line(std::string& out, unsigned version, unsigned status);
// "METHOD TARGET HTTP/1.1\r\n".
void append_request_line(std::string& out, std::string_view method, std::string_view target);
// "Name: value\r\n".
void append_field(std::string& out, std::string_view name, std::string_view value);
// The fields a framing needs (Transfer-Encoding: chunked) and the blank line that ends the head.
void end_head(std::string& out, body_framing framing);

// A chunk's size line ("1a2b\r\n") written into `room`; returns the part used.
std::string_view chunk_size_line(char (&room)[20], std::size_t size) noexcept;
inline constexpr std::string_view chunk_end = "\r\n";
inline constexpr std::string_view last_chunk = "0\r\n\r\n";
inline constexpr std::string_view chunk_end_and_last = "\r\n0\r\n\r\n";

}  // namespace tunely::transport
