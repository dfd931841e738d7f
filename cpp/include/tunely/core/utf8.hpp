#pragma once
#include <string_view>

namespace tunely {
// Strict UTF-8 check (no overlongs, no surrogates, ≤ U+10FFFF): protocol 1.1
// carries bodies as JSON strings, so only valid UTF-8 can travel there.
bool is_valid_utf8(std::string_view s) noexcept;
// Length of the longest prefix of `s` that does not end inside a multi-byte
// sequence (for cutting text into chunks without splitting a code point).
std::size_t complete_utf8_prefix(std::string_view s) noexcept;
}  // namespace tunely
