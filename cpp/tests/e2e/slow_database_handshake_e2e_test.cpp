// A session is served as soon as its handshake is done, even while the database
// is slow to record the connection time: the test holds SQLite's write lock, so
// the server's record_connected waits (up to its 10 s busy timeout) while reads
// go on (WAL). A request through the new tunnel must still be answered, within a
// deadline shorter than that wait.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

TEST(slow_database_handshake, a_new_session_serves_while_its_connection_time_is_still_being_written) {
    test_target target;
    tunely_server_process server;
    auto token = server.create_tunnel("slowdb");

    sqlite3* writer = nullptr;
    ASSERT_EQ(sqlite3_open((server.dir() / "tunnels.db").c_str(), &writer), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

    auto client = start_client(server, token, target.url());
    EXPECT_TRUE(server.wait_connected("slowdb", true, std::chrono::seconds(8))) << client->output();
    http_call c;
    c.target = "/t/slowdb/echo/while-the-database-writes";
    c.timeout = std::chrono::seconds(8);  // shorter than the server's 10 s wait for the lock
    auto r = http_request(server.port(), c);
    EXPECT_EQ(r.status, 200u) << r.error << r.body << "\n" << client->output();

    sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(writer);
}

}  // namespace
}  // namespace tunely::test
