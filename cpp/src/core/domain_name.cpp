#include "tunely/core/domain_name.hpp"

#include "tunely/core/header_list.hpp"

namespace tunely {
namespace {
bool is_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

bool is_valid_domain(std::string_view domain) noexcept {
    if (domain.empty() || domain.size() > 63 || !is_alnum(domain.front())) return false;
    for (char c : domain)
        if (!is_alnum(c) && c != '-') return false;
    return true;
}

std::optional<std::string> normalize_domain(std::string_view domain) {
    if (!is_valid_domain(domain)) return std::nullopt;
    return to_lower(domain);
}

}  // namespace tunely
