// The target's response head, as the tunnel client reads it from the service it
// forwards to (a target is not trusted more than a caller): Beast's
// response_parser<buffer_body> with Beast's default header limit, as
// client_session_v2 reads it (v1 reads the same head with empty_body and moves
// on), then the body. Properties:
//  - parsing is total and split-independent (see fuzz_ingress_head.cpp);
//  - a head Beast accepts, stripped of hop-by-hop fields, either fits a protocol 2
//    RESPONSE (head_fits) — and then encodes without throwing and decodes back
//    to the same frame at the server — or the client must refuse it; and its
//    1.1 form (fold_for_v1) encodes to a `response` the server decodes;
//  - the server then checks it (check_response_head) and writes to the caller a
//    head that parses back field for field (server_response.hpp).
#include <boost/beast/http/empty_body.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "fuzz_check.hpp"
#include "server_response.hpp"
#include "http_feed.hpp"
#include "tunely/core/header_list.hpp"
#include "tunely/core/http_field.hpp"
#include "tunely/core/utf8.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/protocol/v1_headers.hpp"
#include "tunely/protocol/v2_codec.hpp"

namespace {

using namespace tunely;
using fuzz::check;
namespace http = boost::beast::http;
namespace v1 = protocol::v1;
namespace v2 = protocol::v2;

struct outcome {
    boost::system::error_code head_error;
    unsigned status = 0, version = 0;
    std::string reason;
    header_list fields;
    bool chunked = false, keep_alive = false;
    boost::optional<std::uint64_t> content_length;
    boost::system::error_code body_error;
    std::string body;
    bool same_as(const outcome& o) const {
        return fuzz::same_message(*this, o, [](const outcome& x) {
            return std::tie(x.status, x.reason, x.version, x.fields, x.chunked, x.keep_alive, x.content_length);
        });
    }
};

// `skip`: the answer to a HEAD request has no body whatever its fields say.
outcome parse(std::string_view input, std::size_t step, std::size_t window, bool skip) {
    outcome out;
    fuzz::http_feed feed(input, step);
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    if (skip) parser.skip(true);
    out.head_error = feed.read_head(parser);
    if (out.head_error) return out;
    const auto& res = parser.get();
    out.status = res.result_int();
    out.version = res.version();
    out.reason = std::string(res.reason());
    for (const auto& f : res) out.fields.add(std::string(f.name_string()), std::string(f.value()));
    out.chunked = parser.chunked();
    out.keep_alive = parser.keep_alive();
    out.content_length = parser.content_length();
    out.body_error = feed.read_body(parser, out.body, window);
    return out;
}

// Printed when the two parses disagree, to see how.
void describe(const char* label, const outcome& o) {
    std::fprintf(stderr, "%s: head %s; %u HTTP/%u, %zu fields, chunked %d, length %lld; body %zu bytes, %s\n",
                 label, o.head_error.message().c_str(), o.status, o.version,
                 o.fields.size(), o.chunked, o.content_length ? static_cast<long long>(*o.content_length) : -1LL,
                 o.body.size(), o.body_error.message().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const bool head_request = size % 7 == 3;  // some inputs answer a HEAD request
    const outcome whole = parse(input, input.size(), 64 * 1024, head_request);
    const outcome pieces = parse(input, 1 + size % 13, 1 + size % 61, head_request);
    if (!whole.same_as(pieces)) {
        describe("whole ", whole);
        describe("pieces", pieces);
        fuzz::fail("a response parses differently when it arrives in pieces");
    }
    if (whole.head_error) return 0;

    // What the client relays: the end-to-end fields (client/target_call.hpp response_fields()).
    header_list fields = whole.fields;
    remove_hop_by_hop(fields);
    check(!check_fields(fields), "Beast accepted a field we cannot relay (check_fields)");
    content_length_result ours;
    if (!parse_content_length(whole.fields, ours) && ours.present && whole.content_length)
        check(ours.value == *whole.content_length, "Content-Length: Beast and parse_content_length disagree");

    if (v2::head_fits(fields)) {
        v2::response head{1, whole.body.empty(), static_cast<std::uint16_t>(whole.status), fields,
                          whole.body.substr(0, 1024)};
        std::string bytes;
        try {
            bytes = v2::encode(head);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "v2::encode threw: %s\n", e.what());
            fuzz::fail("a RESPONSE that head_fits() admits cannot be encoded");
        }
        auto back = v2::decode(bytes);
        if (!back) {
            // Beast accepts any three-digit status ("HTTP/1.1 086 x"), protocol 2 only 100-999: the server
            // drops such a RESPONSE and fails that one exchange with 502, which needs the stream id.
            check(whole.status < 100 && v2::frame_stream_id(bytes) == head.id,
                  "the server can neither decode the client's RESPONSE nor tell which stream it was for");
        } else {
            check(std::get<v2::response>(*back) == head, "the server decodes another RESPONSE than was sent");
            fuzz::serve_response_head(head.status, head.headers, !head.end_stream, /*upgrade_request=*/size % 2 == 1);
        }
    }
    // The 1.1 client answers 502 itself for a status outside 100-599 (client_session_v1), and reads
    // header bytes that are not UTF-8 as ISO-8859-1 (the original Python client does the same), so the
    // `response` it sends is always valid JSON text.
    if (whole.status < 100 || whole.status > 599) return 0;
    for (auto& f : fields.fields())
        if (!is_valid_utf8(f.value)) f.value = latin1_to_utf8(f.value);
    v1::response r1{"0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10", static_cast<int>(whole.status),
                    v1::fold_for_v1(fields), std::nullopt, std::nullopt, 0};
    auto back1 = v1::decode(v1::encode(r1));
    if (!back1) std::fprintf(stderr, "server decode: %s\n", back1.error().message().c_str());
    check(back1.has_value(), "the server cannot decode the client's 1.1 response");
    return 0;
}
