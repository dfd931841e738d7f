#include "tunely/transport/http_head.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace tunely::transport {

void append_status_line(std::string& out, unsigned version, unsigned status) {
    out += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    char digits[8];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
    (void)ec;
    out.append(digits, end);
    out += ' ';
    auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    out.append(reason.data(), reason.size());
    out += "\r\n";
}

void append_request_line(std::string& out, std::string_view method, std::string_view target) {
    out += method;
    out += ' ';
    out += target;
    out += " HTTP/1.1\r\n";
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

void end_head(std::string& out, body_framing framing) {
    if (framing == body_framing::chunked) out += "Transfer-Encoding: chunked\r\n";
    out += "\r\n";
}

std::string_view chunk_size_line(char (&room)[20], std::size_t size) noexcept {
    auto [end, ec] = std::to_chars(room, room + sizeof room - 2, size, 16);
    (void)ec;  // 16 hex digits fit
    *end++ = '\r';
    *end++ = '\n';
    return std::string_view(room, static_cast<std::size_t>(end - room));
}

}  // namespace tunely::transport
