// The database servers' SOCI backends are modules loaded on use (src/store/backend_glue.hpp): a server on
// SQLite and a tunnel client map none of their client libraries, a server URL loads its module from next to
// the binary, and a binary without its modules says what is missing instead of failing obscurely.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

std::string maps_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool maps_a_database_client(const std::string& maps) {
    for (const char* lib : {"libpq.so", "libmariadb.so", "libmysqlclient.so", "libsoci_postgresql", "libsoci_mysql",
                            "tunely-soci-"})
        if (maps.find(lib) != std::string::npos) return true;
    return false;
}

TEST(store_modules, sqlite_server_and_client_map_no_database_client_library) {
    test_target target;
    tunely_server_process server;
    auto client = start_client(server, server.create_tunnel("nolibs"), target.url());
    ASSERT_TRUE(server.wait_connected("nolibs")) << client->output();
    const auto server_maps = maps_of(server.process().pid());
    ASSERT_NE(server_maps.find("libsoci_core"), std::string::npos) << "the maps were read (SOCI's core is linked)";
    EXPECT_FALSE(maps_a_database_client(server_maps)) << server_maps;
    EXPECT_FALSE(maps_a_database_client(maps_of(client->pid())));
}

TEST(store_modules, a_server_url_loads_its_module_from_next_to_the_binary) {
    const char* url = std::getenv("TUNELY_E2E_POSTGRESQL_URL");
    if (!url) {
        if (std::getenv("CI")) FAIL() << "TUNELY_E2E_POSTGRESQL_URL is not set in CI";
        GTEST_SKIP() << "run through scripts/with-test-databases.sh (make test does)";
    }
    tunely_server_process server({"--database", url});
    const auto maps = maps_of(server.process().pid());
    EXPECT_NE(maps.find("tunely-soci-postgresql.so"), std::string::npos) << maps;
    EXPECT_NE(maps.find("libpq.so"), std::string::npos);
    EXPECT_EQ(maps.find("tunely-soci-mysql.so"), std::string::npos) << "only the backend in use";
}

TEST(store_modules, a_binary_without_its_modules_names_what_is_missing) {
    temp_dir dir;
    const auto copy = dir.path / "tunely";
    std::filesystem::copy_file(tunely_binary(), copy);
    // SQLite needs no module.
    child_process sqlite(copy.string(), {"db", "upgrade", "--database", "sqlite:///" + (dir.path / "t.db").string()});
    ASSERT_EQ(sqlite.wait_exit(std::chrono::seconds(20)), 0) << sqlite.output();
    child_process pg(copy.string(), {"db", "current", "--database", "postgresql://u:secret-pw@127.0.0.1:1/x"});
    auto code = pg.wait_exit(std::chrono::seconds(20));
    ASSERT_TRUE(code.has_value());
    EXPECT_NE(*code, 0);
    EXPECT_NE(pg.output().find("the postgresql backend is not installed (tunely-soci-postgresql.so not found in"),
              std::string::npos)
        << pg.output();
    EXPECT_EQ(pg.output().find("secret-pw"), std::string::npos) << "no password in the message";
}

}  // namespace
}  // namespace tunely::test
