// The bounded memory of which domains are tunnels (ingress: unknown 404, offline 503).
#include <gtest/gtest.h>

#include "../../src/server/known_tunnels.hpp"

namespace tunely::server {
namespace {

using namespace std::chrono_literals;

TEST(known_tunnels, remembers_an_answer_for_the_ttl_only) {
    known_tunnels k(2s);
    const auto t0 = known_tunnels::clock::time_point{} + 1h;
    EXPECT_FALSE(k.cached("a", t0));
    k.remember("a", true, t0);
    k.remember("b", false, t0);
    EXPECT_EQ(k.cached("a", t0 + 1s), std::optional<bool>(true));
    EXPECT_EQ(k.cached("b", t0 + 1s), std::optional<bool>(false));
    EXPECT_FALSE(k.cached("a", t0 + 2s));
    k.remember("a", false, t0 + 2s);  // a newer answer replaces the old one
    EXPECT_EQ(k.cached("a", t0 + 3s), std::optional<bool>(false));
}

TEST(known_tunnels, a_flood_of_names_never_holds_more_than_the_capacity) {
    known_tunnels k(2s, 3);
    const auto t = known_tunnels::clock::time_point{} + 1h;
    for (int i = 0; i < 3; ++i) k.remember("n" + std::to_string(i), false, t);
    EXPECT_TRUE(k.cached("n0", t));
    k.remember("n3", false, t);  // full: the old answers go, the new one stays
    EXPECT_FALSE(k.cached("n0", t));
    EXPECT_FALSE(k.cached("n2", t));
    EXPECT_TRUE(k.cached("n3", t));
    k.remember("n3", true, t);  // updating a kept name drops nothing
    EXPECT_EQ(k.cached("n3", t), std::optional<bool>(true));
}

TEST(known_tunnels, lookups_in_flight_are_bounded) {
    known_tunnels k(2s, 16, 2);
    EXPECT_TRUE(k.begin_lookup());
    EXPECT_TRUE(k.begin_lookup());
    EXPECT_FALSE(k.begin_lookup());
    k.end_lookup();
    EXPECT_TRUE(k.begin_lookup());
}

}  // namespace
}  // namespace tunely::server
