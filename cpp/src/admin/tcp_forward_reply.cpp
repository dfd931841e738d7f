#include "tcp_forward_reply.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "tunely/core/utf8.hpp"

namespace tunely::admin {
namespace {
namespace http = boost::beast::http;

using parser = http::response_parser<http::string_body>;

// Feeds `rest` to `p` until the message is complete; the end of `rest` is the end of the connection (a
// body delimited by the close ends there). Consumes what the message used from `rest`.
boost::system::error_code parse_one(parser& p, std::string_view& rest) {
    if (rest.empty()) return http::error::partial_message;  // an interim head was the last thing sent
    p.eager(true);
    // Everything is in memory already (bounded by the forward's cap): no limit of the parser's own is needed
    // beyond the bytes there are.
    constexpr std::size_t most = std::numeric_limits<std::uint32_t>::max();
    p.header_limit(static_cast<std::uint32_t>(std::min(rest.size(), most)));
    p.body_limit(static_cast<std::uint64_t>(rest.size()));
    boost::system::error_code ec;
    while (!p.is_done()) {
        // Nothing left, or nothing more the parser can take: the connection's end is the message's end (a
        // body that lasts until the close ends here; anything else is incomplete).
        if (rest.empty()) {
            p.put_eof(ec);
            return ec;
        }
        const auto used = p.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        rest.remove_prefix(used);
        if (ec == http::error::need_more) ec = {};
        if (ec) return ec;
        if (used == 0) {
            p.put_eof(ec);
            return ec;
        }
    }
    return ec;
}

bool interim(unsigned status) { return status >= 100 && status < 200 && status != 101; }

forward_outcome http_reply(std::string_view rest) {
    for (;;) {
        parser p;
        if (auto ec = parse_one(p, rest))
            return failed_outcome(502, {}, "Invalid HTTP response from the TCP target: " + ec.message());
        auto message = p.release();
        const unsigned status = message.result_int();
        if (interim(status)) continue;  // 100 Continue, 103 Early Hints: the final head follows
        header_list headers;
        for (const auto& field : message) {
            if (!is_valid_utf8(field.name_string()) || !is_valid_utf8(field.value()))
                return failed_outcome(status, {}, "Response header fields are not UTF-8 text");
            headers.add(std::string(field.name_string()), std::string(field.value()));
        }
        return text_outcome(status, std::move(headers), std::move(message.body()));
    }
}

}  // namespace

forward_outcome tcp_reply_outcome(std::string bytes) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(bytes, ec);
    if (!ec) {
        forward_outcome out;
        out.status = 200;
        out.body = std::move(parsed);
        return out;
    }
    if (bytes.starts_with("HTTP/")) return http_reply(bytes);
    return text_outcome(200, {}, std::move(bytes));
}

}  // namespace tunely::admin
