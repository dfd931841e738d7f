#pragma once
// Standard base64 with padding (RFC 4648 §4): the original's tcp_data frames
// carry raw TCP bytes this way. libsodium does the work.
#include <optional>
#include <string>
#include <string_view>

namespace tunely {

std::string base64_encode(std::string_view bytes);
// Nothing when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tunely
