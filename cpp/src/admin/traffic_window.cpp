#include "tunely/admin/traffic_window.hpp"

#include <algorithm>

namespace tunely::admin {
namespace {
std::int64_t minute_of(std::chrono::system_clock::time_point t) {
    return std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count();
}
}  // namespace

void traffic_window::observe(const server::exchange_record& r, std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mutex_);
    const auto minute = minute_of(now);
    auto& s = slots_[static_cast<std::size_t>(((minute % max_minutes) + max_minutes) % max_minutes)];
    if (s.minute != minute) s = slot{minute, {}};  // the slot last held a minute a day ago
    ++s.totals.requests;
    if (r.status >= 500 || r.status < 100 || !r.error.empty()) ++s.totals.errors;
    s.totals.bytes_in += r.bytes_in;
    s.totals.bytes_out += r.bytes_out;
}

std::vector<traffic_bucket> traffic_window::series(int minutes, std::chrono::system_clock::time_point now) const {
    std::lock_guard lock(mutex_);
    minutes = std::clamp(minutes, 1, max_minutes);
    const auto last = minute_of(now);
    std::vector<traffic_bucket> out;
    out.reserve(static_cast<std::size_t>(minutes));
    for (auto m = last - minutes + 1; m <= last; ++m) {
        const auto& s = slots_[static_cast<std::size_t>(((m % max_minutes) + max_minutes) % max_minutes)];
        traffic_bucket b = s.minute == m ? s.totals : traffic_bucket{};
        b.start = std::chrono::system_clock::time_point(std::chrono::minutes(m));
        out.push_back(b);
    }
    return out;
}

}  // namespace tunely::admin
