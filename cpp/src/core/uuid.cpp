#include "tunely/core/uuid.hpp"

#include <sodium.h>

namespace tunely {

std::string generate_uuid() {
    if (sodium_init() < 0) return {};
    uuid_bytes b{};
    randombytes_buf(b.data(), b.size());
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return format_uuid(b);
}

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

constexpr bool is_dash_position(std::size_t i) noexcept { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::optional<uuid_bytes> parse_uuid(std::string_view text) noexcept {
    if (text.size() != 36) return std::nullopt;
    uuid_bytes out{};
    std::size_t n = 0;  // hex digits read
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (is_dash_position(i)) {
            if (text[i] != '-') return std::nullopt;
            continue;
        }
        int v = hex_value(text[i]);
        if (v < 0) return std::nullopt;
        if (n % 2 == 0)
            out[n / 2] = static_cast<std::uint8_t>(v << 4);
        else
            out[n / 2] = static_cast<std::uint8_t>(out[n / 2] | v);
        ++n;
    }
    return out;
}

std::string format_uuid(const uuid_bytes& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0x0f]);
    }
    return out;
}

}  // namespace tunely
