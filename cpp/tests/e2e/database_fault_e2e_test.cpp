// The database goes away while the server runs: live tunnels keep serving, new
// authentications fail with a fixed auth_error (the database's own words go to
// the server log only), the admin API answers 503, and everything recovers by
// itself when the database returns.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "postgres_instance.hpp"
#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

TEST(database_fault, live_tunnels_survive_a_database_outage_and_everything_recovers) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run PostgreSQL as the postgres user";
    postgres_instance pg;
    test_target target;
    tunely_server_process server({"--database", pg.url()});
    auto token = server.create_tunnel("live");
    auto spare = server.create_tunnel("spare");
    auto client = start_client(server, token, target.url());
    ASSERT_TRUE(server.wait_connected("live")) << client->output();

    pg.stop();
    http_call c;
    c.target = "/t/live/echo/during-outage";
    auto r = http_request(server.port(), c);
    EXPECT_EQ(r.status, 200u) << "a live tunnel serves without its database: " << r.error << r.body;

    auto admin = server.admin("GET", "/api/tunnels");
    EXPECT_EQ(admin.status, 503u) << admin.body;
    EXPECT_EQ(json::parse(admin.body).at("detail").as_string(), "Database unavailable");
    EXPECT_EQ(server.admin("GET", "/healthz").status, 503u);

    {
        ws_test_client ws(server.port(), "/ws/tunnel");
        ws.send_text(R"({"type":"auth","token":")" + spare + R"("})");
        auto answer = json::parse(ws.read().data);
        EXPECT_EQ(answer.at("type").as_string(), "auth_error");
        // A fixed text: nothing of the database's own words reaches a peer that has not authenticated…
        EXPECT_EQ(answer.at("error").as_string(), "Authentication unavailable, try again later") << answer;
    }
    // …they are in the server's log.
    EXPECT_TRUE(server.process().wait_for(R"(authentication from 127\.0\.0\.1:\d+: the database is unavailable: \S)",
                                          std::chrono::seconds(5)))
        << server.process().output();

    pg.start();
    bool recovered = false;
    for (int i = 0; i < 100 && !recovered; ++i) {
        recovered = server.admin("GET", "/api/tunnels").status == 200;
        if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(recovered) << "the admin API did not recover";
    auto second = start_client(server, spare, target.url());
    EXPECT_TRUE(server.wait_connected("spare")) << second->output();
    EXPECT_EQ(http_request(server.port(), c).status, 200u);
}

}  // namespace
}  // namespace tunely::test
