// The whole tunnel (server + client + requests + request log) once per server
// database: PostgreSQL and MariaDB started by scripts/with-test-databases.sh.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

class database_e2e : public ::testing::TestWithParam<std::string> {};

TEST_P(database_e2e, tunnel_serves_and_logs) {
    const char* url = std::getenv(GetParam().c_str());
    if (!url) {
        if (std::getenv("CI")) FAIL() << GetParam() << " is not set in CI";
        GTEST_SKIP() << "run through scripts/with-test-databases.sh (make test does)";
    }
    test_target target;
    tunely_server_process server({"--database", url});
    // The database is shared between tests: a unique domain per run.
    auto domain = "db" + std::to_string(::getpid());
    auto token = server.create_tunnel(domain);
    auto client = start_client(server, token, target.url());
    ASSERT_TRUE(server.wait_connected(domain)) << client->output();

    http_call c;
    c.method = "POST";
    c.target = "/t/" + domain + "/echo/db?x=1";
    c.body = R"({"hello":"数据库"})";
    auto r = http_request(server.port(), c);
    ASSERT_EQ(r.status, 200u) << r.error << r.body;
    EXPECT_EQ(json::parse(r.body).at("body").as_string(), c.body);

    bool logged = false;
    for (int i = 0; i < 200 && !logged; ++i) {
        auto logs = json::parse(server.admin("GET", "/api/tunnels/" + domain + "/logs").body);
        for (const auto& l : logs.at("logs").as_array())
            logged = logged || (l.at("path").as_string() == "/echo/db?x=1" && l.at("status_code").as_int64() == 200 &&
                                l.at("request_body").as_string() == c.body);
        if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(25));  // the writer flushes every second
    }
    EXPECT_TRUE(logged);
    auto t = json::parse(server.admin("GET", "/api/tunnels/" + domain).body);
    EXPECT_TRUE(t.at("last_connected_at").is_string());
    EXPECT_EQ(server.admin("DELETE", "/api/tunnels/" + domain).status, 200u);
}

INSTANTIATE_TEST_SUITE_P(servers, database_e2e,
                         ::testing::Values("TUNELY_E2E_POSTGRESQL_URL", "TUNELY_E2E_MYSQL_URL"),
                         [](const auto& info) {
                             return info.param == "TUNELY_E2E_MYSQL_URL" ? std::string("mariadb")
                                                                          : std::string("postgresql");
                         });

}  // namespace
}  // namespace tunely::test
