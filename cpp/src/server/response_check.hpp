#pragma once
// The rules a response head from a tunnel client must follow before any of it
// reaches a caller (RFC 9110/9112). Both protocol versions' sessions run every
// head through check_response_head(); nothing else decides these.
#include <string>

#include "tunely/server/messages.hpp"

namespace tunely::server {

enum class head_verdict {
    final_response,  // deliver it
    interim,         // 1xx other than 101: not a final answer; dropped (the caller got its own 100 if it asked)
    invalid,         // the exchange fails with 502 (error::invalid_response); `why` says what was wrong
};

// Validates and normalises `head` for `request`:
// - status 200–599, or 101 only when the request asked to upgrade; other 1xx are interim;
// - every field name a token, every value free of CR/LF/NUL and small enough for Beast;
// - Content-Length: all values must agree (they collapse to one field and fill
//   head.content_length); with Transfer-Encoding present the length is dropped, since the
//   server, not the client, decides how the body is framed towards the caller.
head_verdict check_response_head(response_head& head, const request_head& request, std::string& why);

}  // namespace tunely::server
