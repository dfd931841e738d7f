#pragma once
// What the server does with a response head a tunnel client sent (either
// protocol): check_response_head() (cpp/src/server/response_check.hpp), then,
// for a final response, the head write_response() writes to the caller: every
// field inserted into a Beast response, the server's own framing on top. The
// property, response splitting's opposite: what reaches the caller's socket
// parses back as exactly that head, field for field, and Beast never throws for
// a head the check admitted.
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "response_check.hpp"

namespace tunely::fuzz {

inline std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// `has_body`: the client announced body bytes after the head (v2: no END_STREAM).
inline void serve_response_head(unsigned status, const header_list& fields, bool has_body, bool upgrade_request) {
    namespace http = boost::beast::http;
    server::response_head head{status, fields, has_body, std::nullopt};
    server::request_head request{"GET", "/", {}, {}, true, upgrade_request};
    std::string why;
    const auto verdict = server::check_response_head(head, request, why);
    if (verdict != server::head_verdict::final_response) return;
    check((head.status >= 200 && head.status <= 599) || (head.status == 101 && upgrade_request),
          "check_response_head: a final response with a status outside 200-599");

    // write_response() in cpp/src/server/ingress.cpp, for an HTTP/1.1 keep-alive caller.
    http::response<http::empty_body> res{static_cast<http::status>(head.status), 11};
    try {
        for (const auto& h : head.headers) res.insert(h.name, h.value);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "Beast: %s\n", e.what());
        fail("Beast refused a field that check_response_head() admitted");
    }
    const bool bodyless = head.status / 100 == 1 || head.status == 204 || head.status == 304;
    if (!bodyless && !head.content_length) {
        if (!head.has_body) res.content_length(0);
        else res.chunked(true);
    }
    res.keep_alive(true);
    std::ostringstream os;
    os << res.base();
    const std::string wire = os.str();

    // The caller's view.
    http::response_parser<http::empty_body> caller;
    caller.header_limit(1u << 20);
    caller.skip(true);  // the head alone
    boost::system::error_code ec;
    caller.put(boost::asio::buffer(wire), ec);
    if (ec || !caller.is_header_done()) {
        print_hex("head written to the caller", wire);
        std::fprintf(stderr, "caller's parser: %s\n", ec.message().c_str());
        fail("the response head the server writes does not parse");
    }
    const auto& got = caller.get();
    check(got.result_int() == head.status, "the caller reads another status");
    auto a = res.begin();
    auto b = got.begin();
    for (; a != res.end() && b != got.end(); ++a, ++b) {
        if (a->name_string() != b->name_string() || trim_ows(a->value()) != trim_ows(b->value())) {
            print_hex("head written to the caller", wire);
            fail("the caller reads other fields than the server wrote (response splitting)");
        }
    }
    check(a == res.end() && b == got.end(), "the caller reads more or fewer fields than the server wrote");
}

}  // namespace tunely::fuzz
