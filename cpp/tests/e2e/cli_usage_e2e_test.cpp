// The tunely CLI explains a usage error in one line naming what was wrong, with a hint, and exits 2 (CLI11's own
// codes were 105-109, or "A subcommand is required" for a typo in the command); --version prints the version.
#include <gtest/gtest.h>

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
    EXPECT_NE(command.output.find("error: unknown command 'sevrer' (commands: server, connect, tunnel, db, version)"),
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
}

}  // namespace
}  // namespace tunely::test
