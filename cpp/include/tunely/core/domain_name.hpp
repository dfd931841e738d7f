#pragma once
// A tunnel's domain: the label an external caller addresses (`/t/{domain}/` or
// `{domain}.{base-domain}`). Rule from the original: ^[a-zA-Z0-9][-a-zA-Z0-9]{0,62}$.
// Domains are matched case-insensitively, so we store them lower-cased.
#include <optional>
#include <string>
#include <string_view>

namespace tunely {

bool is_valid_domain(std::string_view domain) noexcept;
// Lower-cased domain when valid, nullopt otherwise.
std::optional<std::string> normalize_domain(std::string_view domain);

}  // namespace tunely
