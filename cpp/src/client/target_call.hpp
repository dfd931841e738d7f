#pragma once
// Helpers shared by both protocol versions for calling the target.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <string>

#include "target_pool.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/header_list.hpp"
#include "tunely/core/http_field.hpp"
#include "tunely/transport/http_head.hpp"

namespace tunely::client {

namespace http = boost::beast::http;

// Clears `state->target` (a raw pointer to a target connection, kept only to cancel it) when the frame that
// owns the connection unwinds, however it unwinds: declared after the connection, it runs before the
// connection is destroyed, so nothing cancels a destroyed connection.
template <class State>
struct target_guard {
    std::shared_ptr<State> state;
    ~target_guard() { state->target = nullptr; }
};
template <class State>
target_guard(std::shared_ptr<State>) -> target_guard<State>;  // clang-16 deduces no aggregate templates

// The start of the request head for the target, flat (transport/http_head.hpp): request line, the end-to-end fields
// (hop-by-hop ones dropped whatever the server sent, Host replaced by ours, and those `drop(name)` is true
// for), our Host. Returns whether a Content-Length was among the fields kept. The caller adds its own fields
// and ends the head (end_head). Method, target and fields were checked before: by protocol 2's decoder, by
// client_session_v1 for 1.1 (whose JSON decoder does not).
template <class Drop>
bool append_target_request_start(std::string& out, const target_address& target, std::string_view method,
                                 std::string_view path, const header_list& headers, Drop drop) {
    transport::append_request_line(out, method, target.base_path + normalize_target(path));
    const auto listed = connection_tokens(headers);
    bool has_length = false;
    for (const auto& f : headers) {
        if (is_hop_by_hop(f.name, listed) || iequals(f.name, "host") || drop(f.name)) continue;
        if (iequals(f.name, "content-length")) has_length = true;
        transport::append_field(out, f.name, f.value);
    }
    transport::append_field(out, "Host", target.host_header);
    return has_length;
}

// Protocol 2's streamed calls: keep-alive (HTTP/1.1's default); an upgrade gets its Connection/Upgrade fields
// back; a body without Content-Length goes chunked. Returns the body's framing.
inline transport::body_framing append_target_request_head(std::string& out, const target_address& target,
                                                          std::string_view method, std::string_view path,
                                                          const header_list& headers, const std::string& upgrade,
                                                          bool has_body) {
    using transport::body_framing;
    const bool has_length =
        append_target_request_start(out, target, method, path, headers, [](std::string_view) { return false; });
    if (!upgrade.empty()) {
        transport::append_field(out, "Connection", "Upgrade");
        transport::append_field(out, "Upgrade", upgrade);
    }
    const auto framing = !has_body ? body_framing::none : has_length ? body_framing::length : body_framing::chunked;
    transport::end_head(out, framing);
    return framing;
}

// Maps a socket/HTTP error while talking to the target to our error.
inline error classify_target_error(const boost::system::error_code& ec, bool connected) {
    if (ec == boost::beast::error::timeout) return error::target_timeout;
    if (!connected) return error::target_unavailable;
    return error::target_error;
}

// Response header fields to pass back (hop-by-hop removed).
template <class Fields>
header_list response_fields(const Fields& fields) {
    header_list out;
    out.fields().reserve(static_cast<std::size_t>(std::distance(fields.begin(), fields.end())));
    for (const auto& f : fields) out.add(std::string(f.name_string()), std::string(f.value()));
    remove_hop_by_hop(out);
    return out;
}

}  // namespace tunely::client
