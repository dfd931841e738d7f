#include "request_head_check.hpp"

#include <boost/beast/http/field.hpp>

namespace tunely::server {
namespace http = boost::beast::http;

std::string check_request_head(const header_parser& parser) {
    const auto& req = parser.get();
    const auto hosts = req.count(http::field::host);
    if (hosts > 1) return "More than one Host field";
    if (hosts == 0 && req.version() >= 11) return "HTTP/1.1 request without Host";
    if (req.count(http::field::transfer_encoding) > 0) {
        // Only chunked delimits a request body; anything else after it leaves the
        // length unknown, and the rest would be read as another request (smuggling).
        if (req.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
        if (!parser.chunked()) return "Transfer-Encoding must end with chunked";
    }
    return {};
}

}  // namespace tunely::server
