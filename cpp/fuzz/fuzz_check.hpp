#pragma once
// What a fuzz target does when a property fails: print what was compared (hex,
// so a finding can be pasted into a test or a vector) and abort, which libFuzzer
// reports as a crash and saves the input as crash-<sha1>.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tunely::fuzz {

inline void print_hex(const char* label, std::string_view bytes) {
    std::fprintf(stderr, "%s (%zu bytes): ", label, bytes.size());
    for (unsigned char c : bytes) std::fprintf(stderr, "%02x", c);
    std::fprintf(stderr, "\n");
}

[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
}

inline void check(bool ok, const char* what) {
    if (!ok) fail(what);
}

}  // namespace tunely::fuzz
