#include "tunely/store/original_import.hpp"

#include <cstdio>
#include <ctime>

#include "tunely/core/domain_name.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/token.hpp"

namespace tunely::store {

std::optional<time_point> parse_original_datetime(std::string_view text) {
    if (text.size() < 19) return std::nullopt;
    std::string s(text);
    std::tm tm{};
    char sep = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec) != 7 ||
        (sep != ' ' && sep != 'T'))
        return std::nullopt;
    long micros = 0;
    if (s.size() > 20 && s[19] == '.') {
        int digits = 0;
        for (std::size_t i = 20; i < s.size() && digits < 6 && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
            micros = micros * 10 + (s[i] - '0');
        for (; digits < 6; ++digits) micros *= 10;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    auto secs = timegm(&tm);
    if (secs == -1) return std::nullopt;
    return time_point(std::chrono::seconds(secs)) + std::chrono::microseconds(micros);
}

import_report import_original_tunnels(store& into, const std::vector<original_tunnel>& tunnels) {
    import_report report;
    for (const auto& o : tunnels) {
        auto domain = normalize_domain(o.domain);
        if (!domain) {
            report.problems.push_back(o.domain + ": not a valid domain for this server");
            continue;
        }
        if (o.token.empty()) {
            report.problems.push_back(o.domain + ": no token");
            continue;
        }
        if (into.find_tunnel(*domain)) {
            ++report.skipped;
            continue;
        }
        new_tunnel t;
        t.domain = *domain;
        t.token_hash = hash_token(o.token);
        t.name = o.name.empty() ? *domain : o.name.substr(0, 100);
        t.description = o.description;
        t.mode = o.mode.empty() ? "http" : o.mode;  // as the original has it: "tcp" (since 0.11) or "http"
        // No listener ports: the original configured its listeners in the environment
        // (WS_TUNNEL_TCP_LISTEN / _UDP_LISTEN), never in the database.
        t.created_at = o.created_at;
        try {
            into.create_tunnel(t);
        } catch (const std::system_error& e) {
            if (e.code() != error::store_conflict) throw;
            report.problems.push_back(*domain + ": its token is already used by another tunnel");
            continue;
        }
        if (!o.enabled) {
            tunnel_update u;
            u.enabled = false;
            into.update_tunnel(*domain, u);
        }
        if (o.total_requests > 0) into.add_counters({{*domain, o.total_requests, 0, 0}});
        if (o.last_connected_at) into.record_connected(*domain, *o.last_connected_at);
        ++report.imported;
    }
    return report;
}

}  // namespace tunely::store
