// The ingress request head, as the server reads it from an internet caller:
// Beast's request_parser<empty_body> with the server's header limit
// (server_options::max_header_bytes), then the body through
// request_parser<buffer_body> as ingress relays it. Properties:
//  - parsing is total (no crash, no exception out of Beast, no spin);
//  - the whole input and the same input in small pieces give the same head,
//    the same body and the same error (TCP may split a request anywhere);
//  - a head Beast accepts holds only fields we can forward (check_fields), its
//    Content-Length agrees with ours, and normalize_target() keeps the path
//    origin-form, free of dot segments and stable when applied again;
//  - a head check_request_head() (cpp/src/server/request_head_check.hpp) lets
//    through has exactly one Host (none only on HTTP/1.0), and a Transfer-Encoding
//    only when it ends in chunked on HTTP/1.1.
#include <boost/beast/http/empty_body.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "fuzz_check.hpp"
#include "http_feed.hpp"
#include "tunely/core/header_list.hpp"
#include "tunely/core/http_field.hpp"
#include "request_head_check.hpp"
#include "tunely/server/options.hpp"

namespace {

using namespace tunely;
using fuzz::check;
namespace http = boost::beast::http;

struct outcome {
    boost::system::error_code head_error;
    std::string refused;  // check_request_head(): why the server answers 400, empty when it serves the head
    std::string method, target;
    unsigned version = 0;
    header_list fields;
    bool chunked = false, keep_alive = false;
    boost::optional<std::uint64_t> content_length;
    boost::system::error_code body_error;
    std::string body;
    bool same_as(const outcome& o) const {
        return fuzz::same_message(*this, o, [](const outcome& x) {
            return std::tie(x.refused, x.method, x.target, x.version, x.fields, x.chunked, x.keep_alive,
                            x.content_length);
        });
    }
};

outcome parse(std::string_view input, std::size_t step, std::size_t window) {
    outcome out;
    fuzz::http_feed feed(input, step);
    http::request_parser<http::empty_body> head;
    head.header_limit(static_cast<std::uint32_t>(server::server_options{}.max_header_bytes));
    head.body_limit(boost::none);
    out.head_error = feed.read_head(head);
    if (out.head_error) return out;
    const auto& req = head.get();
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    out.version = req.version();
    for (const auto& f : req) out.fields.add(std::string(f.name_string()), std::string(f.value()));
    out.chunked = head.chunked();
    out.keep_alive = req.keep_alive();
    out.content_length = head.content_length();
    out.refused = server::check_request_head(head);
    http::request_parser<http::buffer_body> body(std::move(head));
    body.body_limit(boost::none);
    out.body_error = feed.read_body(body, out.body, window);
    return out;
}

bool is_dot_segment(std::string_view s) {
    return s == "." || s == ".." || s == "%2e" || s == "%2E" || s == "%2e%2e" || s == "%2E%2E" || s == ".%2e" ||
           s == ".%2E" || s == "%2e." || s == "%2E.";
}

void check_target(std::string_view target) {
    if (target.empty() || target.front() != '/') return;  // absolute-form, authority-form, "*": not routed
    const std::string once = normalize_target(target);
    check(!once.empty() && once.front() == '/', "normalize_target: result is not origin-form");
    check(normalize_target(once) == once, "normalize_target is not idempotent");
    std::string_view path(once);
    path = path.substr(0, path.find('?'));
    for (std::size_t at = 1; at <= path.size();) {
        auto end = path.find('/', at);
        if (end == std::string_view::npos) end = path.size();
        check(!is_dot_segment(path.substr(at, end - at)), "normalize_target: a dot segment is left");
        at = end + 1;
    }
    check(once.substr(once.find('?') == std::string::npos ? once.size() : once.find('?')) ==
              std::string(target.substr(target.find('?') == std::string_view::npos ? target.size() : target.find('?'))),
          "normalize_target changed the query");
}

// Printed when the two parses disagree, to see how.
void describe(const char* label, const outcome& o) {
    std::fprintf(stderr, "%s: head %s; %s %s HTTP/%u, %zu fields, chunked %d, length %lld; body %zu bytes, %s\n",
                 label, o.head_error.message().c_str(), o.method.c_str(), o.target.c_str(), o.version,
                 o.fields.size(), o.chunked, o.content_length ? static_cast<long long>(*o.content_length) : -1LL,
                 o.body.size(), o.body_error.message().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const outcome whole = parse(input, input.size(), 64 * 1024);
    const outcome pieces = parse(input, 1 + size % 13, 1 + size % 61);
    if (!whole.same_as(pieces)) {
        describe("whole ", whole);
        describe("pieces", pieces);
        fuzz::fail("a request parses differently when it arrives in pieces");
    }
    if (whole.head_error) return 0;

    check(!check_fields(whole.fields), "Beast accepted a field we cannot forward (check_fields)");
    content_length_result ours;
    if (!parse_content_length(whole.fields, ours) && ours.present && whole.content_length)
        check(ours.value == *whole.content_length, "Content-Length: Beast and parse_content_length disagree");
    check_target(whole.target);
    // A head the server serves has one framing and one destination (RFC 9112 §3.2, §6.1, §6.3).
    if (whole.refused.empty()) {
        std::size_t hosts = 0;
        for (const auto& f : whole.fields) hosts += iequals(f.name, "host");
        check(hosts == 1 || (hosts == 0 && whole.version < 11), "check_request_head: served without exactly one Host");
        const bool te = whole.fields.find("transfer-encoding") != nullptr;
        check(!te || (whole.chunked && whole.version >= 11), "check_request_head: served a Transfer-Encoding not ending in chunked");
        check(!(whole.chunked && whole.content_length), "served a request with both chunked and Content-Length");
    }
    return 0;
}
