#include "tunely/admin/traffic_window.hpp"

#include <gtest/gtest.h>

namespace tunely::admin {
namespace {
using namespace std::chrono_literals;
using clock_point = std::chrono::system_clock::time_point;

server::exchange_record exchange(unsigned status, std::int64_t in = 10, std::int64_t out = 20, std::string error = {}) {
    server::exchange_record r;
    r.status = status;
    r.bytes_in = in;
    r.bytes_out = out;
    r.error = std::move(error);
    return r;
}

TEST(traffic_window, buckets_by_minute_oldest_first) {
    traffic_window w;
    const clock_point t0{std::chrono::minutes(29'000'000)};  // a whole minute
    w.observe(exchange(200), t0 + 5s);
    w.observe(exchange(502), t0 + 59s);
    w.observe(exchange(200, 1, 2, "stream reset"), t0 + 60s);
    w.observe(exchange(0), t0 + 3min);
    auto s = w.series(4, t0 + 3min + 30s);
    ASSERT_EQ(s.size(), 4u);
    EXPECT_EQ(s[0].start, t0);
    EXPECT_EQ(s[0].requests, 2);
    EXPECT_EQ(s[0].errors, 1);
    EXPECT_EQ(s[0].bytes_in, 20);
    EXPECT_EQ(s[0].bytes_out, 40);
    EXPECT_EQ(s[1].requests, 1);
    EXPECT_EQ(s[1].errors, 1) << "an error text counts as a failure";
    EXPECT_EQ(s[2].requests, 0);
    EXPECT_EQ(s[2].start, t0 + 2min);
    EXPECT_EQ(s[3].requests, 1);
    EXPECT_EQ(s[3].errors, 1) << "no status at all counts as a failure";
}

TEST(traffic_window, forgets_what_is_older_than_a_day) {
    traffic_window w;
    const clock_point t0{std::chrono::minutes(29'000'000)};
    w.observe(exchange(200), t0);
    auto day_later = t0 + std::chrono::minutes(traffic_window::max_minutes);
    EXPECT_EQ(w.series(1, day_later)[0].requests, 0) << "the slot now belongs to another minute";
    w.observe(exchange(200), day_later);
    w.observe(exchange(200), day_later);
    EXPECT_EQ(w.series(1, day_later)[0].requests, 2) << "a reused slot starts from zero";
    auto whole = w.series(traffic_window::max_minutes, day_later);
    std::int64_t total = 0;
    for (const auto& b : whole) total += b.requests;
    EXPECT_EQ(total, 2);
}

TEST(traffic_window, clamps_the_window) {
    traffic_window w;
    const clock_point now{std::chrono::minutes(29'000'000)};
    EXPECT_EQ(w.series(0, now).size(), 1u);
    EXPECT_EQ(w.series(100'000, now).size(), static_cast<std::size_t>(traffic_window::max_minutes));
}

}  // namespace
}  // namespace tunely::admin
