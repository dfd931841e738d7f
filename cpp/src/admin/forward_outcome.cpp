#include "forward_outcome.hpp"

#include "tunely/core/utf8.hpp"

namespace tunely::admin {

forward_outcome text_outcome(unsigned status, header_list headers, std::string body) {
    if (!is_valid_utf8(body)) return failed_outcome(status, std::move(headers), "Response body is not UTF-8 text");
    forward_outcome out;
    out.status = status;
    out.headers = std::move(headers);
    out.body = boost::json::string(std::move(body));
    return out;
}

forward_outcome failed_outcome(unsigned status, header_list headers, std::string_view error) {
    forward_outcome out;
    out.status = status;
    out.headers = std::move(headers);
    out.error = boost::json::string(error);
    return out;
}

}  // namespace tunely::admin
