#include "response_check.hpp"

#include "tunely/core/http_field.hpp"

namespace tunely::server {

head_verdict check_response_head(response_head& head, const request_head& request, std::string& why) {
    const unsigned status = head.status;
    if (request.kind == stream_kind::tcp) {  // spec §2.15: the client connected; no fields, no HTTP rules
        if (status == 200) return head_verdict::final_response;
        why = "status " + std::to_string(status) + " on a TCP stream (only 200 is allowed)";
        return head_verdict::invalid;
    }
    if (status < 100 || status > 599) {
        why = "status " + std::to_string(status) + " is not an HTTP status";
        return head_verdict::invalid;
    }
    if (status == 101 && !request.upgrade) {
        why = "101 for a request that did not ask to upgrade";
        return head_verdict::invalid;
    }
    if (check_fields(head.headers)) {
        why = "a header field name or value is not allowed (CR, LF, NUL, not a token, or too long)";
        return head_verdict::invalid;
    }
    if (status < 200 && status != 101) return head_verdict::interim;

    content_length_result length;
    if (parse_content_length(head.headers, length)) {
        why = "conflicting or malformed Content-Length";
        return head_verdict::invalid;
    }
    head.content_length.reset();
    if (length.present) {
        head.headers.erase("content-length");
        if (!head.headers.find("transfer-encoding")) {  // with Transfer-Encoding the length is void (RFC 9112 §6.3)
            head.headers.add("Content-Length", std::to_string(length.value));
            head.content_length = length.value;
        }
    }
    return head_verdict::final_response;
}

}  // namespace tunely::server
