// Protocol 2 codec (binary frames). decode() must be total on any bytes; every
// frame it accepts must be encodable (encode() throws std::length_error only for
// frames outside limits.hpp, which decode() must never produce) and stable:
//   decode(x) = f1, encode(f1) = e1, decode(e1) = f2 == f1, encode(f2) == e1.
// A RESPONSE then goes where a hostile tunnel client's would: check_response_head() and
// the head the server writes to the caller (server_response.hpp).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "server_response.hpp"
#include "tunely/protocol/v2_codec.hpp"

namespace v2 = tunely::protocol::v2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto f1 = v2::decode(input);
    if (!f1) return 0;
    std::string e1;
    try {
        e1 = v2::encode(*f1);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "encode threw: %s\n", e.what());
        tunely::fuzz::fail("v2: a decoded frame cannot be encoded");
    }
    auto f2 = v2::decode(e1);
    if (!f2) {
        tunely::fuzz::print_hex("encode(decode(input))", e1);
        std::fprintf(stderr, "second decode: %s\n", f2.error().message().c_str());
        tunely::fuzz::fail("v2: an encoded frame does not decode");
    }
    tunely::fuzz::check(*f2 == *f1, "v2: decode(encode(f)) != f");
    tunely::fuzz::check(v2::encode(*f2) == e1, "v2: encoding is not stable");
    if (const auto* r = std::get_if<v2::response>(&*f1))
        tunely::fuzz::serve_response_head(r->status, r->headers, !r->end_stream, /*upgrade_request=*/r->id % 2 == 1);
    return 0;
}
