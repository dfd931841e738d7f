#pragma once
#include <string>
#include <string_view>

namespace tunely {
// Strict UTF-8 check (no overlongs, no surrogates, ≤ U+10FFFF): protocol 1.1
// carries bodies as JSON strings, so only valid UTF-8 can travel there.
bool is_valid_utf8(std::string_view s) noexcept;
// Length of the longest prefix of `s` that does not end inside a multi-byte
// sequence (for cutting text into chunks without splitting a code point).
std::size_t complete_utf8_prefix(std::string_view s) noexcept;
// `s` read as ISO-8859-1 (how HTTP/1.1 header bytes above 0x7F are read, as the
// original Python client does), written as UTF-8.
std::string latin1_to_utf8(std::string_view s);
}  // namespace tunely
