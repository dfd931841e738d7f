// `tunely db …` and the server's start-up checks on the schema and the database.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_run.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

std::pair<int, std::string> run(std::vector<std::string> args) {
    child_process p(tunely_binary(), args);
    auto code = p.wait_exit(std::chrono::seconds(30));
    return {code.value_or(-1), p.output()};
}

TEST(db_command, upgrade_downgrade_current_history) {
    temp_dir dir;
    auto db = "sqlite:///" + (dir.path / "t.db").string();
    auto [c1, out1] = run({"db", "upgrade", "--database", db});
    EXPECT_EQ(c1, 0) << out1;
    EXPECT_NE(out1.find("0 → 2"), std::string::npos) << out1;
    auto [c0, out0] = run({"db", "current", "--database", db});
    EXPECT_EQ(c0, 0) << out0;
    EXPECT_EQ(out0, "2 (this build knows up to 2)\n");
    auto [c2, out2] = run({"db", "history", "--database", db});
    EXPECT_NE(out2.find("[x] 1  tunnels and request log"), std::string::npos) << out2;

    auto [c3, out3] = run({"db", "upgrade", "--to", "0", "--database", db});
    EXPECT_EQ(c3, 1) << "upgrade never goes down";
    auto [c4, out4] = run({"db", "downgrade", "--to", "0", "--database", db, "--yes"});
    EXPECT_EQ(c4, 0) << out4;
    auto [c5, out5] = run({"db", "history", "--database", db});
    EXPECT_NE(out5.find("[ ] 1"), std::string::npos) << out5;
    auto [c6, out6] = run({"db", "upgrade", "--to", "7", "--database", db});
    EXPECT_EQ(c6, 1) << out6;
    EXPECT_NE(out6.find("no schema version 7"), std::string::npos) << out6;
}

TEST(db_command, server_migrates_at_start_unless_told_not_to) {
    temp_dir dir;
    auto db = "sqlite:///" + (dir.path / "t.db").string();
    auto [code, out] = run({"server", "--no-migrate", "--port", "0", "--admin-key", "k", "--database", db});
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("schema version 0 is older than this build needs (2)"), std::string::npos) << out;
    EXPECT_NE(out.find("tunely db upgrade"), std::string::npos) << out;
    EXPECT_EQ(run({"db", "upgrade", "--database", db}).first, 0);
    child_process server(tunely_binary(), {"server", "--no-migrate", "--host", "127.0.0.1", "--port", "0",
                                           "--admin-key", "k", "--database", db});
    EXPECT_TRUE(server.wait_for("listening on", std::chrono::seconds(20)).has_value()) << server.output();
}

TEST(db_command, unreachable_database_at_start_is_a_clear_error) {
    auto [code, out] = run({"server", "--port", "0", "--admin-key", "k", "--database",
                            "postgresql://tunely:very-secret-pw@127.0.0.1:1/tunely"});
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("cannot connect to PostgreSQL at 127.0.0.1:1/tunely"), std::string::npos) << out;
    EXPECT_EQ(out.find("very-secret-pw"), std::string::npos) << "the password leaked:\n" << out;
    auto [c2, out2] = run({"server", "--port", "0", "--admin-key", "k", "--database", "oracle://x/y"});
    EXPECT_EQ(c2, 2) << out2;
    EXPECT_NE(out2.find("unknown database scheme"), std::string::npos) << out2;
}

// Commands that only read (current, history) or take away (downgrade) never create a database: a mistyped SQLite
// path is an error naming it, and nothing appears on disk.
TEST(db_command, read_only_commands_never_create_a_database) {
    temp_dir dir;
    const auto path = dir.path / "typo" / "tunels.db";
    for (std::vector<std::string> command : {std::vector<std::string>{"db", "current"}, {"db", "history"},
                                             {"db", "downgrade", "--to", "0", "--yes"}}) {
        command.insert(command.end(), {"--database", "sqlite:///" + path.string()});
        auto r = run_cli(command);
        EXPECT_EQ(r.code, 1) << r.output;
        EXPECT_EQ(r.output, "error: --database sqlite:///" + path.string() + ": no such file " + path.string() +
                                " (nothing created; `tunely db upgrade` or `tunely server` creates a database)\n");
    }
    EXPECT_FALSE(std::filesystem::exists(dir.path / "typo"));
    // The config file's [server] database is the default of `tunely db`.
    std::ofstream(dir.path / "t.toml") << "[server]\ndatabase = \"sqlite:///" << path.string() << "\"\n";
    auto configured = run_cli({"db", "current", "--config", (dir.path / "t.toml").string()});
    EXPECT_EQ(configured.code, 1) << configured.output;
    EXPECT_NE(configured.output.find(path.string()), std::string::npos) << configured.output;
}

// A downgrade drops tables: without a terminal to ask on, it needs --yes (a usage error otherwise, nothing done).
TEST(db_command, downgrade_needs_yes_without_a_terminal) {
    temp_dir dir;
    auto db = "sqlite:///" + (dir.path / "t.db").string();
    ASSERT_EQ(run_cli({"db", "upgrade", "--database", db}).code, 0);
    auto refused = run_cli({"db", "downgrade", "--to", "0", "--database", db});
    EXPECT_EQ(refused.code, 2);
    EXPECT_EQ(refused.output, "error: about to downgrade the schema 2 → 0 (drops every table): pass --yes (-y) to "
                              "confirm (stdin is not a terminal, so nobody can be asked)\n");
    EXPECT_EQ(run_cli({"db", "current", "--database", db}).output, "2 (this build knows up to 2)\n");
    auto confirmed = run_cli({"db", "downgrade", "--to", "1", "-y"}, {"TUNELY_DATABASE_URL=", "WS_TUNNEL_DATABASE_URL=" + db});
    EXPECT_EQ(confirmed.code, 0) << confirmed.output;
    EXPECT_EQ(run_cli({"db", "current", "--database", db}).output, "1 (this build knows up to 2)\n");
}

}  // namespace
}  // namespace tunely::test
