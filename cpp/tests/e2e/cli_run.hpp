#pragma once
// Runs the real `tunely` binary as a user would from a script: extra environment variables, a working directory,
// stdin from /dev/null (so never a terminal, whatever runs the tests).
#include <string>
#include <vector>

#include "tunely_stack.hpp"

namespace tunely::test {

struct cli_outcome {
    int code;
    std::string output;  // stdout and stderr
};

// `env`: NAME=VALUE entries added to the environment; `cwd`: where it runs (default: here).
inline cli_outcome run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                           const std::string& cwd = ".") {
    std::vector<std::string> sh{"-c", "cd \"$0\" && exec env \"$@\" </dev/null", cwd};
    sh.insert(sh.end(), env.begin(), env.end());
    sh.push_back(tunely_binary());
    sh.insert(sh.end(), args.begin(), args.end());
    child_process p("/bin/sh", sh);
    auto code = p.wait_exit(std::chrono::seconds(30));
    return {code.value_or(-1), p.output()};
}

}  // namespace tunely::test
