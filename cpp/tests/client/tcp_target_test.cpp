// Where raw TCP streams go (client_options::tcp_target, tcp_target_of): one derivation for both protocols.
#include <gtest/gtest.h>

#include "tunely/client/tunnel_client.hpp"

namespace tunely::client {
namespace {

TEST(tcp_target, parses_names_addresses_and_bracketed_ipv6) {
    EXPECT_EQ(parse_host_port("localhost:22").value(), (host_port{"localhost", "22"}));
    EXPECT_EQ(parse_host_port("10.0.0.1:0022").value(), (host_port{"10.0.0.1", "22"}));
    EXPECT_EQ(parse_host_port("[::1]:5432").value(), (host_port{"::1", "5432"}));
    EXPECT_EQ(parse_host_port("db_1.internal:65535").value(), (host_port{"db_1.internal", "65535"}));
}

TEST(tcp_target, refuses_what_is_not_host_colon_port) {
    for (const char* bad : {"", "no-port", "::1:22", "host:0", "host:65536", "host:", ":22", "host:2x", "host:-1",
                            "[::1]22", "[::1]", "[nope]:22", "[]:22", "a b:1", "host:123456"})
        EXPECT_FALSE(parse_host_port(bad)) << bad;
}

TEST(tcp_target, defaults_to_the_target_urls_host_and_port) {
    client_options o;
    o.target_url = "http://app.internal:8090/base";
    EXPECT_EQ(tcp_target_of(o).value(), (host_port{"app.internal", "8090"}));
    o.target_url = "http://[::1]/";
    EXPECT_EQ(tcp_target_of(o).value(), (host_port{"::1", "80"}));
    o.target_url = "https://secure.example";
    EXPECT_EQ(tcp_target_of(o).value(), (host_port{"secure.example", "443"}));
    o.target_url = "ftp://nope";
    EXPECT_FALSE(tcp_target_of(o));
}

TEST(tcp_target, the_option_wins_over_the_target_url) {
    client_options o;
    o.target_url = "http://app.internal:8090";
    o.tcp_target = "db:5432";
    EXPECT_EQ(tcp_target_of(o).value(), (host_port{"db", "5432"}));
    o.tcp_target = "db";
    EXPECT_FALSE(tcp_target_of(o)) << "a bad option is an error, not a silent fallback";
}

}  // namespace
}  // namespace tunely::client
