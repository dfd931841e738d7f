#include "tunnel_json.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <tuple>

namespace tunely::admin {
namespace json = boost::json;

std::string iso8601(store::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    if (ms < 0 && ms % 1000) --secs;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
    return buf;
}

std::optional<store::time_point> parse_iso8601(std::string_view text) {
    std::tm tm{};
    int ms = 0;
    std::string s(text);
    int consumed = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return std::nullopt;
    if (static_cast<std::size_t>(consumed) < s.size() && s[consumed] == '.') {
        int digits = 0;
        for (std::size_t i = consumed + 1; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
            if (digits < 3) ms = ms * 10 + (s[i] - '0');
            ++digits;
        }
        for (; digits < 3; ++digits) ms *= 10;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    auto secs = timegm(&tm);
    if (secs == -1) return std::nullopt;
    return store::time_point(std::chrono::seconds(secs)) + std::chrono::milliseconds(ms);
}

namespace {

json::value optional_port(const std::optional<int>& port) { return port ? json::value(*port) : json::value(nullptr); }

json::array listeners_json(std::vector<server::listener_info> listeners) {
    std::sort(listeners.begin(), listeners.end(), [](const auto& a, const auto& b) {
        return std::tuple(a.protocol != "tcp", a.port) < std::tuple(b.protocol != "tcp", b.port);
    });
    json::array out;
    for (const auto& l : listeners) {
        json::object o{{"protocol", l.protocol}, {"host", l.host}, {"port", l.port}, {"assigned", l.assigned}};
        if (l.protocol == "tcp") o["tls"] = l.tls;
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace

json::object tunnel_json(const store::tunnel_record& t, const std::optional<server::session_info>& live,
                         std::size_t in_flight, std::vector<server::listener_info> listeners) {
    json::object o;
    o["id"] = t.id;
    o["domain"] = t.domain;
    o["name"] = t.name;
    o["description"] = t.description;
    o["mode"] = t.mode;
    o["tcp_port"] = optional_port(t.tcp_port);
    o["udp_port"] = optional_port(t.udp_port);
    o["enabled"] = t.enabled;
    o["connected"] = live.has_value();
    o["token"] = nullptr;
    o["created_at"] = iso8601(t.created_at);
    o["updated_at"] = iso8601(t.updated_at);
    o["last_connected_at"] = t.last_connected_at ? json::value(iso8601(*t.last_connected_at)) : json::value(nullptr);
    o["total_requests"] = t.total_requests;
    o["bytes_in"] = t.bytes_in;
    o["bytes_out"] = t.bytes_out;
    if (live) {
        o["live"] = json::object{
            {"connected_since", iso8601(live->connected_at)},
            {"remote_address", live->remote_address},
            {"protocol", live->protocol == 2 ? "2" : "1.1"},
            {"client_version", live->client_version},
            {"in_flight", in_flight},
            {"requests", live->requests},
            {"tcp_connections", live->tcp_connections},
            {"udp_sessions", live->udp_sessions},
            {"bytes_in", live->bytes_in},
            {"bytes_out", live->bytes_out},
        };
    } else {
        o["live"] = nullptr;
    }
    o["listeners"] = listeners_json(std::move(listeners));
    return o;
}

json::object log_json(const store::request_log_record& r) {
    auto parse_or_text = [](const std::string& s) -> json::value {
        boost::system::error_code ec;
        auto v = json::parse(s, ec);
        return ec ? json::value(s) : v;
    };
    return json::object{
        {"id", r.id},
        {"timestamp", iso8601(r.timestamp)},
        {"tunnel_domain", r.tunnel_domain},
        {"method", r.method},
        {"path", r.path},
        {"request_headers", r.request_headers.empty() ? json::value(json::object{}) : parse_or_text(r.request_headers)},
        {"request_body", r.request_body.empty() ? json::value(nullptr) : json::value(r.request_body)},
        {"status_code", r.status_code},
        {"response_headers", r.response_headers.empty() ? json::value(json::object{}) : parse_or_text(r.response_headers)},
        {"response_body", r.response_body.empty() ? json::value(nullptr) : json::value(r.response_body)},
        {"error", r.error.empty() ? json::value(nullptr) : json::value(r.error)},
        {"duration_ms", r.duration_ms},
        {"bytes_in", r.bytes_in},
        {"bytes_out", r.bytes_out},
    };
}

}  // namespace tunely::admin
