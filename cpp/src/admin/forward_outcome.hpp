#pragma once
// What POST /api/tunnels/{domain}/forward reports inside its envelope
// (spec/ADMIN-API.md): the target's status and header fields, its body — text,
// or the JSON value a TCP target answered — and an error text. Exactly one of
// `body` and `error` is not null. Both modes (HTTP exchange, TCP connection)
// produce one; tunnel_handlers::forward alone turns it into the envelope.
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "tunely/core/header_list.hpp"

namespace tunely::admin {

struct forward_outcome {
    unsigned status = 0;
    header_list headers;
    boost::json::value body;   // null when `error` is set
    boost::json::value error;  // null, or what went wrong
};

// The target's answer with its body as text; a body that is not UTF-8 cannot travel in JSON: its body is
// null and the error says why (the status and fields stay the target's).
forward_outcome text_outcome(unsigned status, header_list headers, std::string body);

// No usable answer: `status` is ours (502, 504, …) or the target's, `error` says why.
forward_outcome failed_outcome(unsigned status, header_list headers, std::string_view error);

}  // namespace tunely::admin
