// Runtime UDP ports: the admin API (and the CLI) give a tunnel a UDP port within --udp-ports, move it, close
// it (its UDP sessions end), release it on delete, and the server reopens it after a restart; a tunnel may
// hold a TCP and a UDP port, the same number too; `listeners` shows a tunnel's static and runtime listeners.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "admin_json.hpp"
#include "free_ports.hpp"
#include "tcp_peers.hpp"
#include "tunely_stack.hpp"
#include "udp_peers.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

std::string range_text(std::pair<int, int> range) {
    return std::to_string(range.first) + "-" + std::to_string(range.second);
}

// A server with runtime ports for both protocols, the same range.
class udp_ports : public ::testing::Test {
protected:
    explicit udp_ports(std::vector<std::string> extra = {})
        : range(free_port_range(5)), server(args(range, std::move(extra))) {}

    static std::vector<std::string> args(std::pair<int, int> range, std::vector<std::string> extra) {
        std::vector<std::string> out{"--udp-ports", range_text(range), "--tcp-ports", range_text(range),
                                     "--tcp-listen-host", "127.0.0.1"};
        out.insert(out.end(), extra.begin(), extra.end());
        return out;
    }

    json::object create(const std::string& body, unsigned expected = 200) {
        return admin_json(server, "POST", "/api/tunnels", body, expected);
    }
    json::object update(const std::string& domain, const std::string& body, unsigned expected = 200) {
        return admin_json(server, "PUT", "/api/tunnels/" + domain, body, expected);
    }
    json::object get(const std::string& domain) { return admin_json(server, "GET", "/api/tunnels/" + domain); }
    // Polls the tunnel's live UDP session count until it is `n` (bounded).
    bool wait_udp_sessions(const std::string& domain, int n) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto live = get(domain).at("live");
            if (live.is_object() && live.at("udp_sessions").to_number<int>() == n) return true;
            std::this_thread::sleep_for(20ms);  // polling a condition, bounded by the deadline
        }
        return false;
    }
    std::unique_ptr<child_process> connect(const json::object& created, std::vector<std::string> extra = {}) {
        extra.insert(extra.end(), {"--udp-target", udp_target.address(), "--tcp-target", tcp_target.address()});
        auto client = start_client(server, std::string(created.at("token").as_string()), "http://127.0.0.1:9", extra);
        EXPECT_TRUE(server.wait_connected(std::string(created.at("domain").as_string())));
        return client;
    }

    std::pair<int, int> range;
    tunely_server_process server;
    udp_peers::echo_target udp_target;
    tcp_echo_target tcp_target;
};

// One datagram there and back through `port`.
bool echoes(std::uint16_t port, const std::string& payload) {
    udp_peers::caller c(port);
    c.send(payload);
    return c.receive() == payload;
}

// --- assigning, moving and closing, over both protocols of our client ---
class udp_ports_protocols : public udp_ports, public ::testing::WithParamInterface<int> {};

TEST_P(udp_ports_protocols, auto_port_echoes_moves_and_closes_with_its_sessions) {
    auto t = create(R"({"domain":"dns","udp_port":"auto"})");
    ASSERT_TRUE(t.at("udp_port").is_int64()) << json::serialize(t);
    EXPECT_TRUE(t.at("tcp_port").is_null());
    const auto port = static_cast<std::uint16_t>(t.at("udp_port").as_int64());
    EXPECT_GE(port, range.first);
    EXPECT_LE(port, range.second);
    EXPECT_TRUE(udp_peers::port_in_use(port));
    auto client = connect(t, GetParam() == 1 ? std::vector<std::string>{"--no-protocol-2"} : std::vector<std::string>{});

    udp_peers::caller c(port);
    c.send("query");
    EXPECT_EQ(c.receive(), "query");
    ASSERT_TRUE(wait_udp_sessions("dns", 1));

    // Moved: the old port closes, the new one serves.
    const auto moved = static_cast<std::uint16_t>(port == range.second ? range.first : port + 1);
    auto u = update("dns", R"({"udp_port":)" + std::to_string(moved) + "}");
    EXPECT_EQ(u.at("udp_port").as_int64(), moved);
    EXPECT_FALSE(udp_peers::port_in_use(port));
    EXPECT_TRUE(echoes(moved, "moved"));
    ASSERT_TRUE(wait_udp_sessions("dns", 1)) << "the old port's session ended with its listener";
    ASSERT_EQ(udp_target.sources().size(), 2u) << "one client socket per session: before and after the move";
    EXPECT_TRUE(udp_peers::wait_port(udp_target.sources()[0], false, 10s)) << "the old session's socket stayed";

    // Closed: the port is free, its session ended (the client closed the session's socket to the target),
    // and datagrams are no longer answered.
    auto sources = udp_target.sources();
    auto closed = update("dns", R"({"udp_port":null})");
    EXPECT_TRUE(closed.at("udp_port").is_null());
    EXPECT_FALSE(udp_peers::port_in_use(moved));
    EXPECT_TRUE(wait_udp_sessions("dns", 0));
    EXPECT_TRUE(udp_peers::wait_port(sources[1], false, 10s)) << "the client's socket outlived the session";
    const auto seen = udp_target.count();
    udp_peers::caller late(moved);
    late.send("nobody listens");
    EXPECT_EQ(late.receive(500ms), std::nullopt);
    EXPECT_EQ(udp_target.count(), seen);
}

INSTANTIATE_TEST_SUITE_P(protocols, udp_ports_protocols, ::testing::Values(2, 1),
                         [](const auto& info) { return info.param == 2 ? "protocol_2" : "protocol_1_1"; });

TEST_F(udp_ports, specific_ports_are_checked_and_delete_releases) {
    auto a = create(R"({"domain":"a","udp_port":)" + std::to_string(range.first) + "}");
    EXPECT_EQ(a.at("udp_port").as_int64(), range.first);
    EXPECT_TRUE(udp_peers::port_in_use(static_cast<std::uint16_t>(range.first)));
    create(R"({"domain":"b","udp_port":)" + std::to_string(range.first) + "}", 409);
    auto outside = create(R"({"domain":"c","udp_port":)" + std::to_string(range.second + 1) + "}", 400);
    EXPECT_NE(json::serialize(outside).find("outside the assignable range"), std::string::npos);
    create(R"({"domain":"d","udp_port":"somewhere"})", 400);
    create(R"({"domain":"d","udp_port":0})", 400);
    EXPECT_EQ(server.admin("GET", "/api/tunnels/b").status, 404u) << "nothing stored for a refused port";
    EXPECT_EQ(server.admin("GET", "/api/tunnels/c").status, 404u);
    // An update to a taken or outside port is refused and changes nothing.
    auto e = create(R"({"domain":"e","udp_port":"auto"})");
    const auto e_port = e.at("udp_port").as_int64();
    update("e", R"({"udp_port":)" + std::to_string(range.first) + "}", 409);
    update("e", R"({"udp_port":)" + std::to_string(range.second + 1) + "}", 400);
    EXPECT_EQ(get("e").at("udp_port").as_int64(), e_port);
    EXPECT_TRUE(udp_peers::port_in_use(static_cast<std::uint16_t>(e_port)));
    // A UDP port does not take the TCP port of the same number.
    auto tcp = create(R"({"domain":"tcp-a","tcp_port":)" + std::to_string(range.first) + "}");
    EXPECT_EQ(tcp.at("tcp_port").as_int64(), range.first);
    // The range runs out: 5 ports, two taken by "a" and "e".
    for (int i = 0; i < 3; ++i) create(R"({"domain":"f)" + std::to_string(i) + R"(","udp_port":"auto"})");
    create(R"({"domain":"g","udp_port":"auto"})", 503);
    // Deleting frees the port.
    EXPECT_EQ(server.admin("DELETE", "/api/tunnels/a").status, 200u);
    EXPECT_FALSE(udp_peers::port_in_use(static_cast<std::uint16_t>(range.first)));
    auto again = create(R"({"domain":"g","udp_port":"auto"})");
    EXPECT_EQ(again.at("udp_port").as_int64(), range.first);
}

TEST_F(udp_ports, ports_are_reopened_after_a_restart) {
    auto t = create(R"({"domain":"keep","udp_port":"auto"})");
    const auto port = static_cast<std::uint16_t>(t.at("udp_port").as_int64());
    server.restart();
    EXPECT_EQ(get("keep").at("udp_port").as_int64(), port);
    auto client = connect(t);
    EXPECT_TRUE(echoes(port, "again"));
}

TEST_F(udp_ports, one_tunnel_with_tcp_and_udp_on_the_same_number) {
    const auto port = static_cast<std::uint16_t>(range.first + 2);
    auto t = create(R"({"domain":"both","mode":"tcp","tcp_port":)" + std::to_string(port) +
                    R"(,"udp_port":)" + std::to_string(port) + "}");
    EXPECT_EQ(t.at("tcp_port").as_int64(), port);
    EXPECT_EQ(t.at("udp_port").as_int64(), port);
    auto client = connect(t);
    EXPECT_TRUE(echoes(port, "datagram"));
    tcp_caller c(port);
    c.write("stream");
    EXPECT_EQ(c.read_exact(6), "stream");
    // Closing one protocol leaves the other.
    update("both", R"({"tcp_port":null})");
    EXPECT_TRUE(echoes(port, "still here"));
    // A create whose UDP port cannot be had binds no TCP port either.
    create(R"({"domain":"half","tcp_port":"auto","udp_port":)" + std::to_string(port) + "}", 409);
    EXPECT_EQ(server.admin("GET", "/api/tunnels/half").status, 404u);
    for (int p = range.first; p <= range.second; ++p) {
        auto r = create(R"({"domain":"probe)" + std::to_string(p) + R"(","tcp_port":)" + std::to_string(p) + "}");
        EXPECT_EQ(r.at("tcp_port").as_int64(), p) << "the refused create left port " << p << " bound";
    }
}

// --- listeners: static and runtime, in the tunnel JSON ---
class udp_ports_with_static : public udp_ports {
protected:
    udp_ports_with_static()
        : udp_ports({"--udp-listen", "127.0.0.1:0:st", "--tcp-listen", "127.0.0.1:0:st"}) {}
};

// A listener as "tcp 127.0.0.1:7000 assigned" (other fields of the JSON are not looked at).
std::string listener(const std::string& protocol, int port, bool assigned) {
    return protocol + " 127.0.0.1:" + std::to_string(port) + (assigned ? " assigned" : " static");
}

std::vector<std::string> listeners_of(const json::object& tunnel) {
    std::vector<std::string> out;
    for (const auto& item : tunnel.at("listeners").as_array()) {
        const auto& l = item.as_object();
        EXPECT_EQ(l.at("host").as_string(), "127.0.0.1");
        out.push_back(listener(std::string(l.at("protocol").as_string()), static_cast<int>(l.at("port").as_int64()),
                               l.at("assigned").as_bool()));
    }
    return out;
}

TEST_F(udp_ports_with_static, listeners_show_static_and_runtime_ports) {
    const int tcp_static = server.listener_port("TCP", "st");
    const int udp_static = server.listener_port("UDP", "st");
    auto created = create(R"({"domain":"st"})");
    const std::vector<std::string> static_only{listener("tcp", tcp_static, false), listener("udp", udp_static, false)};
    EXPECT_EQ(listeners_of(created), static_only);

    auto t = update("st", R"({"tcp_port":"auto","udp_port":"auto"})");
    const int tcp_runtime = static_cast<int>(t.at("tcp_port").as_int64());
    const int udp_runtime = static_cast<int>(t.at("udp_port").as_int64());
    // TCP first, then by port.
    std::vector<std::string> tcp{listener("tcp", tcp_static, false), listener("tcp", tcp_runtime, true)};
    std::vector<std::string> udp{listener("udp", udp_static, false), listener("udp", udp_runtime, true)};
    if (tcp_runtime < tcp_static) std::swap(tcp[0], tcp[1]);
    if (udp_runtime < udp_static) std::swap(udp[0], udp[1]);
    const std::vector<std::string> expected{tcp[0], tcp[1], udp[0], udp[1]};
    EXPECT_EQ(listeners_of(get("st")), expected);

    // The list carries them too; a tunnel without listeners has none.
    create(R"({"domain":"plain"})");
    auto all = json::parse(server.admin("GET", "/api/tunnels").body).as_array();
    ASSERT_EQ(all.size(), 2u);
    for (const auto& item : all) {
        const auto& o = item.as_object();
        EXPECT_EQ(listeners_of(o), o.at("domain").as_string() == "st" ? expected : std::vector<std::string>{});
    }

    // Released runtime ports leave the static listeners.
    update("st", R"({"tcp_port":null,"udp_port":null})");
    EXPECT_EQ(listeners_of(get("st")), static_only);
}

TEST_F(udp_ports, cli_creates_a_udp_tunnel_and_prints_its_address) {
    child_process cli(tunely_binary(), {"tunnel", "create", "cli-udp", "--udp-port", "auto", "--server",
                                        server.http_url(), "--admin-key", test_admin_key});
    ASSERT_EQ(cli.wait_exit(20s), 0) << cli.output();
    auto port = cli.wait_for("UDP: datagrams to 127\\.0\\.0\\.1:([0-9]+)", 1s);
    ASSERT_TRUE(port) << cli.output();
    EXPECT_TRUE(udp_peers::port_in_use(static_cast<std::uint16_t>(std::stoi(*port))));

    child_process moved(tunely_binary(), {"tunnel", "update", "cli-udp", "--udp-port", "none", "--server",
                                          server.http_url(), "--admin-key", test_admin_key});
    ASSERT_EQ(moved.wait_exit(20s), 0) << moved.output();
    EXPECT_FALSE(udp_peers::port_in_use(static_cast<std::uint16_t>(std::stoi(*port))));
}

// The ports live in the store: on PostgreSQL and MariaDB (scripts/with-test-databases.sh) as on SQLite.
class udp_ports_database : public ::testing::TestWithParam<std::string> {};

TEST_P(udp_ports_database, ports_are_stored_unique_and_reopened) {
    const char* url = std::getenv(GetParam().c_str());
    if (!url) {
        if (std::getenv("CI")) FAIL() << GetParam() << " is not set in CI";
        GTEST_SKIP() << "run through scripts/with-test-databases.sh (make test does)";
    }
    const auto range = free_port_range(5);
    tunely_server_process server({"--database", url, "--udp-ports", range_text(range), "--tcp-ports",
                                  range_text(range), "--tcp-listen-host", "127.0.0.1"});
    // The database is shared between tests: unique domains per run.
    const auto domain = "udpdb" + std::to_string(::getpid());
    auto r = server.admin("POST", "/api/tunnels", R"({"domain":")" + domain + R"(","tcp_port":"auto","udp_port":"auto"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto created = json::parse(r.body).as_object();
    const auto udp = created.at("udp_port").as_int64();
    const auto tcp = created.at("tcp_port").as_int64();
    auto other = server.admin("POST", "/api/tunnels",
                              R"({"domain":")" + domain + R"(x","udp_port":)" + std::to_string(udp) + "}");
    EXPECT_EQ(other.status, 409u) << other.body;

    server.restart();
    const auto stored = json::parse(server.admin("GET", "/api/tunnels/" + domain).body).as_object();
    EXPECT_EQ(stored.at("udp_port").as_int64(), udp);
    EXPECT_EQ(stored.at("tcp_port").as_int64(), tcp);
    EXPECT_TRUE(udp_peers::port_in_use(static_cast<std::uint16_t>(udp)));
    EXPECT_EQ(server.admin("DELETE", "/api/tunnels/" + domain).status, 200u);
    EXPECT_FALSE(udp_peers::port_in_use(static_cast<std::uint16_t>(udp)));
}

INSTANTIATE_TEST_SUITE_P(servers, udp_ports_database,
                         ::testing::Values("TUNELY_E2E_POSTGRESQL_URL", "TUNELY_E2E_MYSQL_URL"),
                         [](const auto& info) {
                             return info.param == "TUNELY_E2E_MYSQL_URL" ? std::string("mariadb")
                                                                          : std::string("postgresql");
                         });

// --tcp-ports does not make UDP ports assignable.
TEST(udp_ports_off, udp_port_needs_its_own_range) {
    tunely_server_process server({"--tcp-ports", range_text(free_port_range(2))});
    auto refused = admin_json(server, "POST", "/api/tunnels", R"({"domain":"x","udp_port":"auto"})", 400);
    EXPECT_NE(json::serialize(refused).find("--udp-ports"), std::string::npos) << json::serialize(refused);
    EXPECT_EQ(server.admin("GET", "/api/tunnels/x").status, 404u);
    admin_json(server, "POST", "/api/tunnels", R"({"domain":"x","tcp_port":"auto"})");
}

}  // namespace
}  // namespace tunely::test
