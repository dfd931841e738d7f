// The tunely CLI explains a usage error in one line naming what was wrong, with a hint, and exits 2 (CLI11's own
// codes were 105-109, or "A subcommand is required" for a typo in the command); --version prints the version.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_run.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

struct outcome {
    int code;
    std::string output;
};

outcome run(std::vector<std::string> args) {
    child_process p(tunely_binary(), std::move(args));
    auto code = p.wait_exit(std::chrono::seconds(10));
    return {code ? *code : -1, p.output()};
}

TEST(cli_usage_e2e, version_flag_and_command) {
    auto flag = run({"--version"});
    EXPECT_EQ(flag.code, 0);
    EXPECT_EQ(flag.output.rfind("tunely ", 0), 0u) << flag.output;
    EXPECT_EQ(run({"version"}).output, flag.output);
}

TEST(cli_usage_e2e, usage_errors_name_the_problem_and_exit_2) {
    auto command = run({"sevrer"});
    EXPECT_EQ(command.code, 2);
    EXPECT_NE(command.output.find("error: unknown command 'sevrer' (commands: server, connect, tunnel, login, db, config, version)"),
              std::string::npos)
        << command.output;

    auto flag = run({"server", "--prot", "8080"});
    EXPECT_EQ(flag.code, 2);
    EXPECT_NE(flag.output.find("--prot"), std::string::npos) << flag.output;
    EXPECT_NE(flag.output.find("tunely --help"), std::string::npos) << flag.output;

    auto none = run({});
    EXPECT_EQ(none.code, 2);
    EXPECT_NE(none.output.find("subcommand is required"), std::string::npos) << none.output;

    auto help = run({"connect", "--help"});
    EXPECT_EQ(help.code, 0);
    // On server, -h is the original's --host: a bare -h says so.
    auto h = run({"server", "-h"});
    EXPECT_EQ(h.code, 2);
    EXPECT_EQ(h.output, "error: --host: 1 required TEXT missing (on `tunely server`, -h is --host as in the original "
                        "Tunely; help is --help)\nRun 'tunely --help' (or 'tunely COMMAND --help') for usage.\n");
}

// The server binds its port before it creates anything: a port in use is one line (no Boost source location),
// exit 1, and no database file, data directory or admin key left behind.
TEST(cli_usage_e2e, a_port_in_use_is_one_line_and_creates_nothing) {
    tunely_server_process holder;
    temp_dir dir;
    const auto port = std::to_string(holder.port());
    auto r = run_cli({"server", "--host", "127.0.0.1", "--port", port, "--database",
                      "sqlite:///" + (dir.path / "data" / "t.db").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.output, "error: cannot listen on 127.0.0.1:" + port + ": Address already in use\n");
    EXPECT_TRUE(std::filesystem::is_empty(dir.path)) << "the server created files although it could not listen";
    auto host = run_cli({"server", "--host", "localhost", "--port", "0"});
    EXPECT_EQ(host.code, 2);
    EXPECT_EQ(host.output, "error: --host localhost: not an IP address\n");
}

}  // namespace
}  // namespace tunely::test
