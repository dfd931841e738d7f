#pragma once
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "tunely/server/http_connection.hpp"

namespace tunely::admin {

inline server::http_response json_response(unsigned status, const boost::json::value& body) {
    server::http_response res{static_cast<boost::beast::http::status>(status), 11};
    res.set(boost::beast::http::field::content_type, "application/json");
    res.set(boost::beast::http::field::cache_control, "no-store");
    res.body() = boost::json::serialize(body);
    return res;
}

// The original's error shape: {"detail": "<text>"}.
inline server::http_response detail_response(unsigned status, std::string_view detail) {
    return json_response(status, boost::json::object{{"detail", detail}});
}

}  // namespace tunely::admin
