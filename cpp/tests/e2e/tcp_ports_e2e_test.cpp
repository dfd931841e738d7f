// Runtime TCP ports: the admin API (and the CLI) give a tunnel a port within --tcp-ports, move it, close it,
// and the server reopens it after a restart; tunnel mode tcp turns HTTP ingress off (410).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "admin_json.hpp"
#include "free_ports.hpp"
#include "tcp_peers.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

http_result http_get(std::uint16_t port, const std::string& target) {
    http_call c;
    c.target = target;
    return http_request(port, c);
}

bool accepts(int port) {
    try {
        tcp_caller c(static_cast<std::uint16_t>(port));
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

class tcp_ports : public ::testing::Test {
protected:
    tcp_ports()
        : range(free_port_range(5)),
          server({"--tcp-ports", std::to_string(range.first) + "-" + std::to_string(range.second),
                  "--tcp-listen-host", "127.0.0.1"}) {}

    json::object create(const std::string& body, unsigned expected = 200) {
        return admin_json(server, "POST", "/api/tunnels", body, expected);
    }
    json::object update(const std::string& domain, const std::string& body, unsigned expected = 200) {
        return admin_json(server, "PUT", "/api/tunnels/" + domain, body, expected);
    }

    std::pair<int, int> range;
    tunely_server_process server;
    tcp_echo_target target;
};

TEST_F(tcp_ports, auto_port_carries_connections_and_follows_updates) {
    auto t = create(R"({"domain":"rt","mode":"tcp","tcp_port":"auto"})");
    ASSERT_TRUE(t.at("tcp_port").is_int64()) << json::serialize(t);
    const int port = static_cast<int>(t.at("tcp_port").as_int64());
    EXPECT_GE(port, range.first);
    EXPECT_LE(port, range.second);
    EXPECT_EQ(t.at("mode").as_string(), "tcp");

    auto client = start_client(server, std::string(t.at("token").as_string()), "http://127.0.0.1:9",
                               {"--tcp-target", target.address()});
    ASSERT_TRUE(server.wait_connected("rt"));
    {
        tcp_caller c(static_cast<std::uint16_t>(port));
        c.write("ping");
        EXPECT_EQ(c.read_exact(4), "ping");
    }
    // HTTP ingress is off for a tunnel in mode tcp (as the original: 410).
    EXPECT_EQ(http_get(server.port(), "/t/rt/").status, 410u);

    // Moved: the old port closes, the new one serves.
    const int moved = port == range.second ? range.first : port + 1;
    auto u = update("rt", R"({"tcp_port":)" + std::to_string(moved) + "}");
    EXPECT_EQ(u.at("tcp_port").as_int64(), moved);
    EXPECT_FALSE(accepts(port));
    {
        tcp_caller c(static_cast<std::uint16_t>(moved));
        c.write("pong");
        EXPECT_EQ(c.read_exact(4), "pong");
    }
    // Mode http again: HTTP ingress reaches the client (whose HTTP target does not listen: 503).
    update("rt", R"({"mode":"http"})");
    EXPECT_NE(http_get(server.port(), "/t/rt/").status, 410u);

    // Closed.
    auto closed = update("rt", R"({"tcp_port":null})");
    EXPECT_TRUE(closed.at("tcp_port").is_null());
    EXPECT_FALSE(accepts(moved));
}

TEST_F(tcp_ports, ports_outside_the_range_or_taken_are_refused) {
    create(R"({"domain":"a","tcp_port":)" + std::to_string(range.first) + "}");
    create(R"({"domain":"b","tcp_port":)" + std::to_string(range.first) + "}", 409);
    create(R"({"domain":"c","tcp_port":)" + std::to_string(range.second + 1) + "}", 400);
    create(R"({"domain":"d","tcp_port":"somewhere"})", 400);
    create(R"({"domain":"e","mode":"udp"})", 400);
    EXPECT_EQ(server.admin("GET", "/api/tunnels/b").status, 404u) << "nothing stored for a refused port";
    // The range runs out: 5 ports, one taken by "a".
    for (int i = 0; i < 4; ++i) create(R"({"domain":"f)" + std::to_string(i) + R"(","tcp_port":"auto"})");
    create(R"({"domain":"g","tcp_port":"auto"})", 503);
    // Deleting frees the port.
    EXPECT_EQ(server.admin("DELETE", "/api/tunnels/a").status, 200u);
    EXPECT_FALSE(accepts(range.first));
    auto again = create(R"({"domain":"g","tcp_port":"auto"})");
    EXPECT_EQ(again.at("tcp_port").as_int64(), range.first);
}

TEST_F(tcp_ports, ports_are_reopened_after_a_restart) {
    auto t = create(R"({"domain":"keep","tcp_port":"auto"})");
    const int port = static_cast<int>(t.at("tcp_port").as_int64());
    server.restart();
    auto client = start_client(server, std::string(t.at("token").as_string()), "http://127.0.0.1:9",
                               {"--tcp-target", target.address()});
    ASSERT_TRUE(server.wait_connected("keep"));
    tcp_caller c(static_cast<std::uint16_t>(port));
    c.write("again");
    EXPECT_EQ(c.read_exact(5), "again");
}

TEST_F(tcp_ports, cli_creates_a_tcp_tunnel_and_prints_its_address) {
    child_process cli(tunely_binary(), {"tunnel", "create", "cli-tcp", "--mode", "tcp", "--tcp-port", "auto",
                                        "--server", server.http_url(), "--admin-key", test_admin_key});
    ASSERT_EQ(cli.wait_exit(20s), 0) << cli.output();
    auto port = cli.wait_for("TCP: connections to 127\\.0\\.0\\.1:([0-9]+)", 1s);
    ASSERT_TRUE(port) << cli.output();
    EXPECT_TRUE(accepts(std::stoi(*port)));
}

TEST(tcp_ports_off, tcp_port_needs_a_range) {
    tunely_server_process server;
    auto r = server.admin("POST", "/api/tunnels", R"({"domain":"x","tcp_port":"auto"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_NE(r.body.find("--tcp-ports"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace tunely::test
