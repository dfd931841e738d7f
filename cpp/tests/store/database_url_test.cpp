#include <gtest/gtest.h>

#include "tunely/core/error.hpp"
#include "tunely/store/database_url.hpp"

namespace tunely::store {
namespace {

database_url parse(const std::string& url) {
    std::string problem;
    auto r = parse_database_url(url, problem);
    EXPECT_TRUE(r.has_value()) << url << ": " << problem;
    return r.value_or(database_url{});
}

std::string problem_of(const std::string& url) {
    std::string problem;
    EXPECT_FALSE(parse_database_url(url, problem).has_value()) << url;
    return problem;
}

TEST(database_url, sqlite_spellings) {
    EXPECT_EQ(parse("sqlite:///./data/tunnels.db").sqlite_path, "./data/tunnels.db");
    EXPECT_EQ(parse("sqlite:////var/lib/tunely.db").sqlite_path, "/var/lib/tunely.db");
    EXPECT_EQ(parse("sqlite+aiosqlite:///./data/tunnels.db").sqlite_path, "./data/tunnels.db");
    EXPECT_EQ(parse("sqlite://:memory:").sqlite_path, ":memory:");
    EXPECT_EQ(parse("sqlite://:memory:").kind, backend_kind::sqlite);
    EXPECT_NE(problem_of("sqlite://relative.db").find("three slashes"), std::string::npos);
}

TEST(database_url, server_urls_and_the_originals_spellings) {
    auto pg = parse("postgresql+asyncpg://app:s%40cret@db.internal:5433/tunnels");
    EXPECT_EQ(pg.kind, backend_kind::postgresql);
    EXPECT_EQ(pg.server.host, "db.internal");
    EXPECT_EQ(pg.server.port, 5433);
    EXPECT_EQ(pg.server.user, "app");
    EXPECT_EQ(pg.server.password.reveal(), "s@cret");
    EXPECT_EQ(pg.server.database, "tunnels");
    EXPECT_EQ(pg.redacted.find("s%40cret"), std::string::npos);
    EXPECT_NE(pg.redacted.find("***"), std::string::npos);

    auto my = parse("mysql+aiomysql://root:pw@127.0.0.1/tunely");
    EXPECT_EQ(my.kind, backend_kind::mysql);
    EXPECT_EQ(my.server.port, 0);
    EXPECT_EQ(parse("postgres://u@h/d").kind, backend_kind::postgresql);
    EXPECT_EQ(parse("mariadb://u@h/d").kind, backend_kind::mysql);
}

TEST(database_url, bad_urls_say_why_without_the_password) {
    EXPECT_NE(problem_of("oracle://u:p@h/d").find("unknown database scheme"), std::string::npos);
    EXPECT_NE(problem_of("tunnels.db").find("sqlite:///"), std::string::npos);
    auto p = problem_of("postgresql://u:topsecret@h:5432/");
    EXPECT_NE(p.find("one database"), std::string::npos);
    EXPECT_EQ(p.find("topsecret"), std::string::npos);
}

TEST(server_store, unreachable_server_is_store_unavailable_without_the_password) {
    std::string problem;  // parsed, not assigned member-wise: g++ 12 warns falsely (-Wrestrict) on the latter
    auto url = parse_database_url("postgresql://u:hunter2-secret@127.0.0.1:1/x", problem);
    ASSERT_TRUE(url.has_value()) << problem;
    const server_options& o = url->server;  // nothing listens on port 1
    for (auto open : {open_postgresql_store, open_mysql_store}) {
        try {
            open(o);
            ADD_FAILURE() << "expected an error";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), make_error_code(error::store_unavailable));
            EXPECT_EQ(std::string(e.what()).find("hunter2-secret"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace tunely::store
