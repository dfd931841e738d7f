#include <gtest/gtest.h>

#include "tunely/client/backoff.hpp"

namespace tunely::client {
namespace {

TEST(backoff, doubles_from_the_base_up_to_the_cap) {
    backoff_policy p;  // 5 s, ×2, 300 s, ±20 %
    EXPECT_EQ(backoff_delay(p, 0, 0.5).count(), 5000);
    EXPECT_EQ(backoff_delay(p, 1, 0.5).count(), 10000);
    EXPECT_EQ(backoff_delay(p, 2, 0.5).count(), 20000);
    EXPECT_EQ(backoff_delay(p, 6, 0.5).count(), 300000);  // 320 s capped
    EXPECT_EQ(backoff_delay(p, 60, 0.5).count(), 300000);
}

TEST(backoff, jitter_spans_plus_minus_twenty_percent) {
    backoff_policy p;
    EXPECT_EQ(backoff_delay(p, 0, 0.0).count(), 4000);
    EXPECT_EQ(backoff_delay(p, 0, 1.0).count(), 6000);
    EXPECT_EQ(backoff_delay(p, 6, 0.0).count(), 240000);
    EXPECT_EQ(backoff_delay(p, 6, 1.0).count(), 360000);
}

TEST(backoff, custom_base) {
    backoff_policy p;
    p.base = std::chrono::milliseconds(200);
    p.jitter = 0;
    EXPECT_EQ(backoff_delay(p, 3, 0.9).count(), 1600);
}

}  // namespace
}  // namespace tunely::client
