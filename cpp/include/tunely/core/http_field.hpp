#pragma once
// HTTP field and path rules (RFC 9110, RFC 9112, RFC 3986) applied at every
// edge where bytes from a peer become HTTP: the one place these rules live.
// Pure functions, no I/O; thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "tunely/core/header_list.hpp"

namespace tunely {

// RFC 9110 §5.6.2 token (methods, field names).
bool is_token(std::string_view s) noexcept;
// An RFC 9110 §5.5 field value: visible ASCII, SP, HTAB and obs-text (0x80–0xFF);
// no other control character (CR, LF and NUL would split the message; the rest
// make strict parsers refuse the whole response).
bool is_field_value(std::string_view s) noexcept;
// The protocol-2 wire rule for header values and targets (spec §2.2): no CR, LF
// or NUL. Weaker than is_field_value(): the HTTP rule is applied at the edges.
bool has_no_cr_lf_nul(std::string_view s) noexcept;

// Beast stores field offsets in 16 bits and throws for a name or value of
// 65 534 bytes or more; anything we hand to Beast stays below this.
inline constexpr std::size_t max_field_bytes = 65'533;

// Every name is a token, every value a field value, none longer than
// max_field_bytes. Returns error::invalid_field or {}.
std::error_code check_fields(const header_list& fields);

// The message's Content-Length: nullopt when absent; error::invalid_field when
// a value is not a decimal number or the fields (or a comma list) disagree
// (RFC 9112 §6.3: a recipient MUST treat that as unrecoverable).
struct content_length_result {
    bool present = false;
    std::uint64_t value = 0;
};
std::error_code parse_content_length(const header_list& fields, content_length_result& out);

// RFC 3986 §5.2.4 remove_dot_segments on the path part of an origin-form
// target (the query is kept as it is). "%2e"/"%2E" count as "." (they are the
// same unreserved character), so an encoded "../" cannot climb either. The
// result never rises above "/": joined to a base path it stays under it.
std::string normalize_target(std::string_view target);

}  // namespace tunely
