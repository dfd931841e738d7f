// `tunely db import-tunely` on a database laid out exactly like the original's
// (SQLAlchemy's DDL for its models): tokens keep working, reruns are no-ops.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

constexpr const char* original_schema = R"sql(
CREATE TABLE tunnels (
	id INTEGER NOT NULL,
	domain VARCHAR(255) NOT NULL,
	token VARCHAR(255) NOT NULL,
	name VARCHAR(100),
	description TEXT,
	mode VARCHAR(10),
	enabled BOOLEAN,
	created_at DATETIME,
	updated_at DATETIME,
	last_connected_at DATETIME,
	total_requests INTEGER,
	PRIMARY KEY (id),
	UNIQUE (token)
);
CREATE UNIQUE INDEX ix_tunnels_domain ON tunnels (domain);
CREATE TABLE tunnel_request_logs (
	id INTEGER NOT NULL,
	timestamp DATETIME,
	tunnel_domain VARCHAR(255),
	method VARCHAR(10),
	path VARCHAR(1000),
	request_headers TEXT,
	request_body VARCHAR(10000),
	status_code INTEGER,
	response_headers TEXT,
	response_body VARCHAR(10000),
	error VARCHAR(2000),
	duration_ms INTEGER,
	PRIMARY KEY (id)
);
CREATE INDEX ix_tunnel_request_logs_tunnel_domain ON tunnel_request_logs (tunnel_domain);
CREATE INDEX ix_tunnel_request_logs_status_code ON tunnel_request_logs (status_code);
INSERT INTO tunnels VALUES (1, 'my-agent', 'tun_3fJ9cX2k0mQ8vL1rT5yW7aB4nE6sD0gH2jK9pZ8qR1u', 'My agent', 'the agent', 'http', 1,
  '2024-05-01 12:30:45.123456', '2024-05-02 08:00:00.000000', '2024-06-01 09:15:00.500000', 42);
INSERT INTO tunnels VALUES (2, 'Old-Box', 'tun_legacyTokenThatIsShorter', NULL, NULL, NULL, 0,
  '2023-01-01 00:00:00', NULL, NULL, NULL);
INSERT INTO tunnels VALUES (3, 'bad_domain', 'tun_x', 'n', 'd', 'http', 1, NULL, NULL, NULL, 0);
)sql";

TEST(import_tunely, imports_an_original_database_and_is_idempotent) {
    temp_dir dir;
    auto original = (dir.path / "original.db").string();
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(original.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, original_schema, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    sqlite3_close(raw);

    auto target_db = "sqlite:///" + (dir.path / "new.db").string();
    auto run = [&] {
        child_process p(tunely_binary(), {"db", "import-tunely", "--from", "sqlite+aiosqlite:///" + original,
                                          "--database", target_db});
        auto code = p.wait_exit(std::chrono::seconds(30));
        return std::make_pair(code.value_or(-1), p.output());
    };
    auto [c1, out1] = run();
    EXPECT_EQ(c1, 1) << out1;  // one row cannot be imported: it says so and says why
    EXPECT_NE(out1.find("imported 2 tunnel(s), skipped 0"), std::string::npos) << out1;
    EXPECT_NE(out1.find("bad_domain: not a valid domain"), std::string::npos) << out1;
    auto [c2, out2] = run();
    EXPECT_NE(out2.find("imported 0 tunnel(s), skipped 2"), std::string::npos) << out2;

    test_target target;
    tunely_server_process server({"--database", target_db});
    auto t = json::parse(server.admin("GET", "/api/tunnels/my-agent").body);
    EXPECT_EQ(t.at("name").as_string(), "My agent");
    EXPECT_EQ(t.at("total_requests").as_int64(), 42);
    EXPECT_EQ(t.at("created_at").as_string(), "2024-05-01T12:30:45.123Z");
    EXPECT_EQ(t.at("last_connected_at").as_string(), "2024-06-01T09:15:00.500Z");
    auto old = json::parse(server.admin("GET", "/api/tunnels/old-box").body);
    EXPECT_FALSE(old.at("enabled").as_bool());

    // The original's token works against the new server.
    auto client = start_client(server, "tun_3fJ9cX2k0mQ8vL1rT5yW7aB4nE6sD0gH2jK9pZ8qR1u", target.url());
    ASSERT_TRUE(server.wait_connected("my-agent")) << client->output();
    http_call c;
    c.target = "/t/my-agent/status/200";
    EXPECT_EQ(http_request(server.port(), c).status, 200u);
}

}  // namespace
}  // namespace tunely::test
