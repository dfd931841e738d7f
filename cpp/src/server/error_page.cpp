#include "error_page.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json.hpp>

#include <optional>

#include "tunely/core/header_list.hpp"

namespace tunely::server {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The q of one media range ("text/html;level=1;q=0.8" → 0.8); 1 without q; 0 for a malformed q.
double quality(std::string_view params) {
    while (!params.empty()) {
        auto semi = params.find(';');
        auto param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
        auto value = param.substr(2);
        // RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
        if (value.empty() || value.size() > 5 || (value[0] != '0' && value[0] != '1')) return 0;
        double q = value[0] - '0', scale = 0.1;
        if (value.size() > 1) {
            if (value[1] != '.') return 0;
            for (char c : value.substr(2)) {
                if (c < '0' || c > '9') return 0;
                q += (c - '0') * scale;
                scale /= 10;
            }
        }
        return q > 1 ? 0 : q;
    }
    return 1;
}

void append_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
}

}  // namespace

bool wants_html(std::string_view accept) {
    std::optional<double> html, json;
    while (!accept.empty()) {
        auto comma = accept.find(',');
        auto range = trim(accept.substr(0, comma));
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
        auto semi = range.find(';');
        auto type = trim(range.substr(0, semi));
        auto params = semi == std::string_view::npos ? std::string_view{} : range.substr(semi + 1);
        if (iequals(type, "text/html")) html = quality(params);
        else if (iequals(type, "application/json")) json = quality(params);
    }
    return html && *html > 0 && (!json || *json <= *html);
}

error_body make_error_body(unsigned status, std::string_view text, bool html) {
    if (!html) return {"application/json", boost::json::serialize(boost::json::object{{"error", text}})};
    const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    std::string title = std::to_string(status) + " ";
    append_escaped(title, std::string_view(reason.data(), reason.size()));
    std::string page;
    page.reserve(512 + text.size());
    page += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";
    page += title;
    page += "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;"
            "color:#222}h1{font-size:1.5em}footer{color:#777;font-size:.85em;margin-top:3em}</style></head>\n<body><h1>";
    page += title;
    page += "</h1>\n<p>";
    append_escaped(page, text);
    page += "</p>\n<footer>tunely</footer></body></html>\n";
    return {"text/html; charset=utf-8", std::move(page)};
}

}  // namespace tunely::server
