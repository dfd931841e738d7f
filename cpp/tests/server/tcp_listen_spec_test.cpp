#include <gtest/gtest.h>

#include "tunely/server/tcp_listener.hpp"

namespace tunely::server {
namespace {

std::optional<tcp_listen_spec> parse(std::string_view text) {
    std::string problem;
    auto spec = parse_tcp_listen(text, problem);
    if (!spec) EXPECT_FALSE(problem.empty()) << text;
    return spec;
}

TEST(tcp_listen_spec, port_and_domain) {
    EXPECT_EQ(parse("7000:db"), (tcp_listen_spec{"", 7000, "db"}));
    EXPECT_EQ(parse("0:My-Db"), (tcp_listen_spec{"", 0, "my-db"})) << "domains are lower-cased";
}

TEST(tcp_listen_spec, with_a_host) {
    EXPECT_EQ(parse("127.0.0.1:7000:db"), (tcp_listen_spec{"127.0.0.1", 7000, "db"}));
    EXPECT_EQ(parse("[::1]:7000:db"), (tcp_listen_spec{"::1", 7000, "db"}));
    EXPECT_EQ(parse("localhost:22:ssh"), (tcp_listen_spec{"localhost", 22, "ssh"}));
}

TEST(tcp_listen_spec, refuses_what_is_malformed) {
    for (std::string_view bad : {"", "7000", "db", "70000:db", "-1:db", "x:db", "7000:", "7000:bad domain",
                                 "7000:-db", "[::1:7000:db", "[]:7000:db", "[::1]7000:db", "a:b:7000:db",
                                 "7000:db:extra"}) {
        EXPECT_FALSE(parse(bad)) << bad;
    }
}

}  // namespace
}  // namespace tunely::server
