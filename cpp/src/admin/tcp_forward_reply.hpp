#pragma once
// How POST /forward on a tunnel in mode tcp reads what the target sent before
// it closed (tunely-0.12.md §2.7, as the original):
//  - a JSON text → status 200, the parsed value as the body;
//  - bytes starting "HTTP/" → an HTTP/1.x response: its status, header fields and body (Beast's parser; a
//    body without Content-Length or chunked coding ends with the bytes; interim 1xx heads are skipped);
//    bytes that are no complete response → 502 and the parser's reason;
//  - anything else → status 200 and the bytes as text.
// Text that is not UTF-8 cannot travel in the JSON envelope: the body is then null and the error says so.
// Pure: no I/O, the bytes are bounded by the caller (--tcp-forward-max-buffer).
#include <string>

#include "forward_outcome.hpp"

namespace tunely::admin {

forward_outcome tcp_reply_outcome(std::string bytes);

}  // namespace tunely::admin
