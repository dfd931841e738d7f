#pragma once
// What a caller gets when the server answers for the tunnel (unknown or offline tunnel, target failure, bad
// request): a small HTML page for callers that ask for HTML (browsers), the JSON object {"error": text} for
// everyone else (curl, API clients and the original's tools, which read JSON). The status line is the same for
// both; http_status.cpp decides it.
#include <string>
#include <string_view>

namespace tunely::server {

// Whether an Accept field value prefers HTML: "text/html" is listed with a q above 0 and not below
// application/json's. Absent, "*/*" alone or unparsable: false (JSON). Bounded work: one pass over the value.
bool wants_html(std::string_view accept);

struct error_body {
    std::string_view content_type;
    std::string body;
};

// The body for `status` with `text` (the reason in words; escaped for HTML, never markup).
error_body make_error_body(unsigned status, std::string_view text, bool html);

}  // namespace tunely::server
