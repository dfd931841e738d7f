// The embedding example builds and works: a host application's own handler
// reaches a service behind a tunnel through forward().
#include <gtest/gtest.h>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

TEST(embedded_example, forwards_from_the_host_applications_handler) {
    test_target target;
    child_process app(TUNELY_EXAMPLE_BINARY, {});
    auto token = app.wait_for(R"(token (tun_[A-Za-z0-9_-]{43}))", std::chrono::seconds(20));
    auto port = app.wait_for(R"(listening on http://127.0.0.1:([0-9]+))", std::chrono::seconds(20));
    ASSERT_TRUE(token && port) << app.output();
    auto p = static_cast<std::uint16_t>(std::stoi(*port));
    child_process client(tunely_binary(), {"connect", "--server", "ws://127.0.0.1:" + *port + "/ws/tunnel", "--token",
                                           *token, "--target", target.url()});
    ASSERT_TRUE(client.wait_for("connected", std::chrono::seconds(20)).has_value()) << client.output();
    http_call c;
    c.target = "/proxy/demo/status/201";
    auto r = http_request(p, c);
    EXPECT_EQ(r.status, 201u) << r.error << r.body;
    EXPECT_EQ(r.body, "via tunnel 'demo': status 201");
}

}  // namespace
}  // namespace tunely::test
