// Protocol 1.1 codec (JSON text frames). decode() must be total on any bytes
// (no throw, no crash); whatever it accepts must survive our own encoder:
//   decode(x) = m1, encode(m1) = e1, decode(e1) = m2 must succeed, encode(m2) == e1.
// (m1 == m2 is not required: a 1.1 header map with a repeated key decodes to two
// fields and encodes as one JSON member, as the original's dict does.)
// A `response` or `stream_start` then goes where a hostile 1.1 client's would:
// check_response_head() and the head the server writes to the caller (server_response.hpp).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "server_response.hpp"
#include "tunely/protocol/v1_codec.hpp"

namespace v1 = tunely::protocol::v1;

// Boost.JSON 1.81 parses doubles to within an ulp or so, not always to the nearest (precise parsing came
// with Boost 1.83's parse_options::numbers): a request.timeout with 17 significant digits may come back a hair
// off. Harmless for a timeout in seconds; anything else that differs is a finding.
static bool only_timeout_rounding(const v1::message& m1, v1::message m2, const std::string& e1) {
    const auto* r1 = std::get_if<v1::request>(&m1);
    auto* r2 = std::get_if<v1::request>(&m2);
    if (!r1 || !r2 || std::fabs(r1->timeout - r2->timeout) > 1e-14 * std::fabs(r1->timeout)) return false;
    r2->timeout = r1->timeout;
    return v1::encode(m2) == e1;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto m1 = v1::decode(input);
    if (!m1) return 0;
    const std::string e1 = v1::encode(*m1);
    auto m2 = v1::decode(e1);
    if (!m2) {
        tunely::fuzz::print_hex("encode(decode(input))", e1);
        std::fprintf(stderr, "second decode: %s\n", m2.error().message().c_str());
        tunely::fuzz::fail("v1: an encoded message does not decode");
    }
    const std::string e2 = v1::encode(*m2);
    if (e2 != e1 && !only_timeout_rounding(*m1, *m2, e1)) {
        tunely::fuzz::print_hex("e1", e1);
        tunely::fuzz::print_hex("e2", e2);
        tunely::fuzz::fail("v1: encode(decode(encode(m))) != encode(m)");
    }
    if (const auto* r = std::get_if<v1::response>(&*m1))
        tunely::fuzz::serve_response_head(static_cast<unsigned>(r->status), r->headers, r->body && !r->body->empty(), false);
    if (const auto* s = std::get_if<v1::stream_start>(&*m1))
        tunely::fuzz::serve_response_head(static_cast<unsigned>(s->status), s->headers, true, false);
    return 0;
}
