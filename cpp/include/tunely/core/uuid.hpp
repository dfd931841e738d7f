#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tunely {

using uuid_bytes = std::array<std::uint8_t, 16>;

// Random (version 4) UUID in canonical lower-case text form, from a CSPRNG.
std::string generate_uuid();

// The 16 bytes (RFC 4122 order) of a UUID in canonical text form: 8-4-4-4-12 hex digits, either case, nothing
// else (no braces, no "urn:uuid:"). Empty for anything else. Any version and variant are accepted.
std::optional<uuid_bytes> parse_uuid(std::string_view text) noexcept;

// Canonical lower-case text form (36 characters) of 16 UUID bytes.
std::string format_uuid(const uuid_bytes& bytes);

}  // namespace tunely
