#include "tunely/core/http_field.hpp"

#include <charconv>
#include <vector>

#include "tunely/core/error.hpp"

namespace tunely {

namespace {

bool is_tchar(unsigned char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
    }
}

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// One path segment equals "." or ".." once "%2e" is read as ".".
int dots(std::string_view segment) noexcept {
    int n = 0;
    while (!segment.empty()) {
        if (segment.front() == '.') {
            segment.remove_prefix(1);
        } else if (segment.size() >= 3 && segment[0] == '%' && segment[1] == '2' &&
                   (segment[2] == 'e' || segment[2] == 'E')) {
            segment.remove_prefix(3);
        } else {
            return 0;
        }
        if (++n > 2) return 0;
    }
    return n;
}

}  // namespace

bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

bool is_field_value(std::string_view s) noexcept {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    return true;
}

bool has_no_cr_lf_nul(std::string_view s) noexcept {
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::error_code check_fields(const header_list& fields) {
    for (const auto& f : fields) {
        if (!is_token(f.name) || f.name.size() > max_field_bytes) return make_error_code(error::invalid_field);
        if (!is_field_value(f.value) || f.value.size() > max_field_bytes) return make_error_code(error::invalid_field);
    }
    return {};
}

std::error_code parse_content_length(const header_list& fields, content_length_result& out) {
    out = {};
    for (const auto& f : fields) {
        if (!iequals(f.name, "content-length")) continue;
        std::string_view list = f.value;
        for (;;) {
            auto comma = list.find(',');
            auto item = trim_ows(list.substr(0, comma));
            std::uint64_t v = 0;
            auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
            if (item.empty() || ec != std::errc() || end != item.data() + item.size())
                return make_error_code(error::invalid_field);
            if (out.present && v != out.value) return make_error_code(error::invalid_field);
            out.present = true;
            out.value = v;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return {};
}

std::string normalize_target(std::string_view target) {
    auto query_at = target.find('?');
    std::string_view path = target.substr(0, query_at);
    std::string_view query = query_at == std::string_view::npos ? std::string_view() : target.substr(query_at);
    if (path.empty() || path.front() != '/') return std::string(target);  // not origin-form: left to the caller
    // Hot path (every request, both sides): a dot segment starts with "/." or "/%2e"; without either
    // the target is already normal.
    if (path.find("/.") == std::string_view::npos && path.find("/%2") == std::string_view::npos)
        return std::string(target);

    // Segments after the leading "/"; a trailing "/" (or a final dot segment) keeps the path a directory.
    std::vector<std::string_view> out;
    bool directory = false;
    std::string_view rest = path.substr(1);
    for (;;) {
        auto slash = rest.find('/');
        auto segment = rest.substr(0, slash);
        const bool last = slash == std::string_view::npos;
        switch (dots(segment)) {
        case 1: directory = last; break;
        case 2:
            if (!out.empty()) out.pop_back();
            directory = last;
            break;
        default:
            out.push_back(segment);
            directory = false;
        }
        if (last) break;
        rest.remove_prefix(slash + 1);
    }
    std::string result;
    result.reserve(target.size());
    for (auto s : out) {
        result += '/';
        result += s;
    }
    if (result.empty() || directory) result += '/';
    result += query;
    return result;
}

}  // namespace tunely
