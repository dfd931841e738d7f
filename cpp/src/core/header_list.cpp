#include "tunely/core/header_list.hpp"

#include <algorithm>
#include <cctype>

namespace tunely {

namespace {
// ASCII only, as HTTP's case-insensitive tokens are (std::tolower consults the locale on every call).
constexpr unsigned char ascii_lower(unsigned char c) noexcept { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(static_cast<unsigned char>(a[i])) != ascii_lower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(ascii_lower(static_cast<unsigned char>(c)));
    return out;
}

const std::string* header_list::find(std::string_view name) const noexcept {
    for (const auto& f : fields_)
        if (iequals(f.name, name)) return &f.value;
    return nullptr;
}

std::size_t header_list::erase(std::string_view name) {
    return std::erase_if(fields_, [&](const header_field& f) { return iequals(f.name, name); });
}

void header_list::set(std::string name, std::string value) {
    erase(name);
    add(std::move(name), std::move(value));
}

bool is_hop_by_hop(std::string_view name) noexcept {
    static constexpr std::string_view names[] = {
        "connection", "keep-alive", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization"};
    return std::any_of(std::begin(names), std::end(names),
                       [&](std::string_view n) { return iequals(n, name); });
}

std::vector<std::string> connection_tokens(const header_list& headers) {
    std::vector<std::string> listed;
    for (const auto& f : headers) {
        if (!iequals(f.name, "connection")) continue;
        std::string_view v = f.value;
        while (!v.empty()) {
            auto comma = v.find(',');
            auto token = v.substr(0, comma);
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
            if (!token.empty()) listed.emplace_back(token);
            if (comma == std::string_view::npos) break;
            v.remove_prefix(comma + 1);
        }
    }
    return listed;
}

bool is_hop_by_hop(std::string_view name, const std::vector<std::string>& listed) noexcept {
    return is_hop_by_hop(name) ||
           std::any_of(listed.begin(), listed.end(), [&](const std::string& n) { return iequals(n, name); });
}

void remove_hop_by_hop(header_list& headers) {
    // Fields listed in Connection are hop-by-hop too (RFC 9110 §7.6.1).
    auto listed = connection_tokens(headers);
    std::erase_if(headers.fields(), [&](const header_field& f) { return is_hop_by_hop(f.name, listed); });
}

std::string upgrade_protocol(const header_list& headers) {
    auto listed = connection_tokens(headers);
    if (std::none_of(listed.begin(), listed.end(), [](const std::string& t) { return iequals(t, "upgrade"); }))
        return {};
    const auto* upgrade = headers.find("upgrade");
    return upgrade ? *upgrade : std::string();
}

void keep_only_upgrade_hop_fields(header_list& headers, const std::string& protocol) {
    remove_hop_by_hop(headers);
    if (protocol.empty()) return;
    headers.add("Connection", "Upgrade");
    headers.add("Upgrade", protocol);
}

}  // namespace tunely
