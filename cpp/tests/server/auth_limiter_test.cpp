// auth_limiter: a token bucket per source address (IPv4, or IPv6 /64), refilled
// evenly, bounded in the number of addresses it remembers.
#include <gtest/gtest.h>

// A private header of the server module (src/server): the limiter is no public API.
#include "../../src/server/auth_limiter.hpp"

namespace tunely::server {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::make_address;
const auto t0 = auth_limiter::clock::time_point{} + 1h;

TEST(auth_limiter, allows_the_limit_at_once_then_one_more_per_interval) {
    auth_limiter limiter(10);
    auto a = make_address("203.0.113.7");
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.try_acquire(a, t0)) << i;
    EXPECT_FALSE(limiter.try_acquire(a, t0));
    EXPECT_FALSE(limiter.try_acquire(a, t0 + 5900ms)) << "one token is due every 6 s";
    EXPECT_TRUE(limiter.try_acquire(a, t0 + 6s));
    EXPECT_FALSE(limiter.try_acquire(a, t0 + 6s));
    EXPECT_TRUE(limiter.try_acquire(make_address("203.0.113.8"), t0)) << "another address has its own bucket";
}

TEST(auth_limiter, attempts_that_did_not_fail_give_their_token_back) {
    auth_limiter limiter(2);
    auto a = make_address("198.51.100.1");
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(limiter.try_acquire(a, t0)) << i;
        limiter.release(a, t0);
    }
    EXPECT_TRUE(limiter.try_acquire(a, t0));
    EXPECT_TRUE(limiter.try_acquire(a, t0));
    EXPECT_FALSE(limiter.try_acquire(a, t0));
}

TEST(auth_limiter, ipv6_counts_by_64_network_and_mapped_ipv4_as_ipv4) {
    auth_limiter limiter(1);
    EXPECT_TRUE(limiter.try_acquire(make_address("2001:db8:1:2::1"), t0));
    EXPECT_FALSE(limiter.try_acquire(make_address("2001:db8:1:2:ffff::9"), t0)) << "same /64";
    EXPECT_TRUE(limiter.try_acquire(make_address("2001:db8:1:3::1"), t0)) << "another /64";
    EXPECT_TRUE(limiter.try_acquire(make_address("192.0.2.1"), t0));
    EXPECT_FALSE(limiter.try_acquire(make_address("::ffff:192.0.2.1"), t0)) << "the same IPv4 host";
}

TEST(auth_limiter, remembers_a_bounded_number_of_addresses) {
    auth_limiter limiter(1, 100);
    for (unsigned i = 0; i < 10'000; ++i) {
        boost::asio::ip::address_v4 a(0x0a000000u + i);  // 10.0.0.0 + i: an attacker with many addresses
        limiter.try_acquire(a, t0);
        ASSERT_LE(limiter.size(), 100u);
    }
    // The least recently used addresses were forgotten; the most recent one is still held.
    EXPECT_TRUE(limiter.try_acquire(boost::asio::ip::address_v4(0x0a000000u), t0));
    EXPECT_FALSE(limiter.try_acquire(boost::asio::ip::address_v4(0x0a000000u + 9'999), t0));
}

TEST(auth_limiter, forgets_addresses_whose_bucket_refilled) {
    auth_limiter limiter(10);
    limiter.try_acquire(make_address("192.0.2.1"), t0);
    limiter.try_acquire(make_address("192.0.2.2"), t0);
    EXPECT_EQ(limiter.size(), 2u);
    limiter.try_acquire(make_address("192.0.2.3"), t0 + 1min);
    EXPECT_EQ(limiter.size(), 1u);
}

TEST(auth_limiter, zero_means_no_limit) {
    auth_limiter limiter(0);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.try_acquire(make_address("192.0.2.1"), t0));
    EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace tunely::server
