#pragma once
// Tunnel tokens and admin keys: generation from a CSPRNG, hashing for storage,
// constant-time comparison. Tokens are 256-bit random values, so one SHA-256 is
// a sufficient at-rest hash (no password stretching needed).
#include <string>
#include <string_view>

namespace tunely {

// "tun_" + 43 URL-safe base64 characters (32 random bytes).
std::string generate_tunnel_token();
// 43 URL-safe base64 characters (32 random bytes), for admin keys.
std::string generate_secret_key();
// Lower-case hex SHA-256 of the token: what the store keeps.
std::string hash_token(std::string_view token);
// Constant-time for equal lengths.
bool constant_time_equals(std::string_view a, std::string_view b) noexcept;
// True for a string shaped like a token we issue (does not prove it exists).
bool looks_like_token(std::string_view token) noexcept;

}  // namespace tunely
