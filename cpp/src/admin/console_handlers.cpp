#include "console_handlers.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

#include "json_response.hpp"
#include "tunely/core/domain_name.hpp"
#include "tunely/core/error.hpp"
#include "tunnel_json.hpp"

namespace tunely::admin {
namespace json = boost::json;
using server::http_response;

namespace {

std::optional<std::int64_t> integer(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc{} || end != text->data() + text->size()) return std::nullopt;
    return v;
}

http_response store_error(const std::error_code& ec) {
    if (ec == error::store_unavailable) return detail_response(503, "Database unavailable");
    return detail_response(500, ec.message());
}

json::array logs_json(const std::vector<store::request_log_record>& logs) {
    json::array out;
    for (const auto& r : logs) out.push_back(log_json(r));
    return out;
}

}  // namespace

awaitable<http_response> console_handlers::requests(const query_lookup& query) {
    store::log_query q;
    if (auto d = query("domain"); d && !d->empty()) {
        auto domain = normalize_domain(*d);
        if (!domain) co_return detail_response(400, "Invalid domain");
        q.domain = *domain;
    }
    if (auto s = query("status"); s && !s->empty()) {
        if (*s == "error") {
            q.failures_only = true;
        } else if (s->size() == 3 && (*s)[0] >= '1' && (*s)[0] <= '5' && s->substr(1) == "xx") {
            q.status_class = (*s)[0] - '0';
        } else {
            co_return detail_response(400, "status must be 1xx, 2xx, 3xx, 4xx, 5xx or error");
        }
    }
    if (auto m = query("method"); m && !m->empty()) q.method = *m;
    if (auto p = query("q"); p && !p->empty()) q.path_contains = *p;
    // (No range-for over a braced list here: g++ 12 mishandles such temporaries in coroutines.)
    auto time_param = [&](const char* key, std::optional<store::time_point>& field) {
        auto t = query(key);
        if (!t || t->empty()) return true;
        field = parse_iso8601(*t);
        return field.has_value();
    };
    if (!time_param("from", q.since)) co_return detail_response(400, "from must be an ISO 8601 time");
    if (!time_param("to", q.until)) co_return detail_response(400, "to must be an ISO 8601 time");
    auto limit = query("limit") ? integer(query("limit")) : std::optional<std::int64_t>(50);
    auto offset = query("offset") ? integer(query("offset")) : std::optional<std::int64_t>(0);
    if (!limit || !offset || *offset < 0) co_return detail_response(400, "limit and offset must be whole numbers");
    q.limit = std::clamp<std::int64_t>(*limit, 1, 500);
    q.offset = *offset;
    auto r = co_await server.store().run([&](store::store& s) { return s.query_request_logs(q); });
    if (!r) co_return store_error(r.error());
    co_return json_response(200, json::object{{"total", r->total}, {"logs", logs_json(r->logs)}});
}

awaitable<http_response> console_handlers::stats(const query_lookup& query) {
    auto minutes_text = query("minutes");
    auto minutes = minutes_text ? integer(minutes_text) : std::optional<std::int64_t>(60);
    if (!minutes || *minutes < 1 || *minutes > traffic_window::max_minutes)
        co_return detail_response(400, "minutes must be between 1 and 1440");
    auto tunnels = co_await server.store().run([](store::store& s) { return s.list_tunnels(); });
    if (!tunnels) co_return store_error(tunnels.error());
    const auto now = std::chrono::system_clock::now();
    store::log_query failures;  // the window's newest failures, like every other number here
    failures.failures_only = true;
    failures.since = now - std::chrono::minutes(*minutes);
    failures.limit = 10;
    auto recent = co_await server.store().run([&](store::store& s) { return s.query_request_logs(failures); });
    if (!recent) co_return store_error(recent.error());

    const auto disabled = std::count_if(tunnels->begin(), tunnels->end(), [](const auto& t) { return !t.enabled; });
    static const traffic_window none;  // all zeros, when the embedder keeps no window
    const auto buckets = (traffic ? *traffic : none).series(static_cast<int>(*minutes), now);
    json::array series;
    std::int64_t requests = 0, errors = 0, bytes_in = 0, bytes_out = 0;
    for (const auto& b : buckets) {
        series.push_back(json::object{{"start", iso8601(b.start)}, {"requests", b.requests}, {"errors", b.errors},
                                      {"bytes_in", b.bytes_in}, {"bytes_out", b.bytes_out}});
        requests += b.requests;
        errors += b.errors;
        bytes_in += b.bytes_in;
        bytes_out += b.bytes_out;
    }
    co_return json_response(200, json::object{
        {"tunnels_total", tunnels->size()},
        {"tunnels_online", server.connected_count()},
        {"tunnels_disabled", disabled},
        {"window_minutes", *minutes},
        {"requests", requests},
        {"errors", errors},
        {"error_rate", requests ? static_cast<double>(errors) / static_cast<double>(requests) : 0.0},
        {"bytes_in", bytes_in},
        {"bytes_out", bytes_out},
        {"series", std::move(series)},
        {"recent_failures", logs_json(recent->logs)},
    });
}

}  // namespace tunely::admin
