// BOOST_ASSERT stays on in the fuzz build (Beast and Asio check their
// preconditions with it) and aborts, so libFuzzer reports it, with one
// exception: a Beast 1.81 assertion that is wrong and fixed upstream.
//   basic_parser.ipp parse_chunk_header: BOOST_ASSERT(n >= 5) fires when the
//   final chunk "0\r\n" is followed by its trailer one byte at a time; with
//   NDEBUG the parser does the right thing (asks for more). boostorg/beast#2861,
//   merged May 2024, after Boost 1.81.
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
    if (std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "beast/http/impl/basic_parser.ipp")) return;
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s\n", file, line, function, expr, msg ? ": " : "",
                 msg ? msg : "");
    std::abort();
}

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
    assertion_failed_msg(expr, nullptr, function, file, line);
}

}  // namespace boost
