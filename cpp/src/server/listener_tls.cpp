#include "tunely/server/listener_tls.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>

namespace tunely::server {

std::optional<std::vector<std::string>> parse_alpn_list(std::string_view text, std::string& problem) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        return s;
    };
    std::vector<std::string> out;
    const auto whole = trim(text);
    if (whole.size() == 4 && std::equal(whole.begin(), whole.end(), "none", [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
        }))
        return out;
    std::string_view rest = whole;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (item.empty()) continue;
        if (item.size() > 255) {
            problem = "ALPN protocol names are at most 255 bytes long";
            return std::nullopt;
        }
        if (!std::all_of(item.begin(), item.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
            problem = "ALPN protocol '" + std::string(item) + "' holds a byte that is not visible ASCII";
            return std::nullopt;
        }
        out.emplace_back(item);
    }
    return out;
}

namespace {

// `list`: length-prefixed names, each checked not to run past the end. Calls `each(name, length)` until it
// returns true; false when the list is malformed or nothing matched.
template <class Each>
bool for_each_protocol(const unsigned char* list, unsigned int size, Each&& each) {
    for (unsigned int at = 0; at < size;) {
        const unsigned int length = list[at];
        if (length == 0 || length > size - at - 1) return false;
        if (each(list + at + 1, length)) return true;
        at += 1 + length;
    }
    return false;
}

// OpenSSL's ALPN selection callback (server side). `arg`: the listener_tls's wire-form list.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                unsigned int offered_size, void* arg) {
    const auto& ours = *static_cast<const std::string*>(arg);
    const auto* our_list = reinterpret_cast<const unsigned char*>(ours.data());
    const bool chosen =
        for_each_protocol(our_list, static_cast<unsigned int>(ours.size()), [&](const unsigned char* name,
                                                                                unsigned int length) {
            return for_each_protocol(offered, offered_size, [&](const unsigned char* theirs, unsigned int their_length) {
                if (their_length != length || !std::equal(name, name + length, theirs)) return false;
                *out = name;  // points into `ours`, which outlives the handshake
                *out_length = static_cast<unsigned char>(length);
                return true;
            });
        });
    // No overlap: go on without ALPN, as Python's ssl does (no no_application_protocol alert).
    return chosen ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

listener_tls::listener_tls(boost::asio::ssl::context context, const std::vector<std::string>& alpn)
    : context_(std::move(context)) {
    for (const auto& name : alpn) {
        alpn_wire_.push_back(static_cast<char>(static_cast<unsigned char>(name.size())));
        alpn_wire_ += name;
    }
    if (!alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(context_.native_handle(), select_alpn, &alpn_wire_);
}

}  // namespace tunely::server
