#pragma once
#include <boost/json.hpp>

#include <optional>
#include <vector>

#include "tunely/server/port_listeners.hpp"
#include "tunely/server/session_info.hpp"
#include "tunely/store/records.hpp"

namespace tunely::admin {

// ISO-8601 UTC with milliseconds, e.g. "2026-11-24T02:33:48.123Z".
std::string iso8601(store::time_point t);
std::optional<store::time_point> parse_iso8601(std::string_view text);

// The original's tunnel shape plus our fields (udp_port, live, listeners); "token" is always null.
// `listeners`: the tunnel's public listeners, static and runtime, in any order (shown TCP first, then by port).
boost::json::object tunnel_json(const store::tunnel_record& t, const std::optional<server::session_info>& live,
                                std::size_t in_flight, std::vector<server::listener_info> listeners);
boost::json::object log_json(const store::request_log_record& r);

}  // namespace tunely::admin
