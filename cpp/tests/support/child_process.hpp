#pragma once
// Runs a program (the real `tunely` binary) as a child process with its output
// captured, so tests can wait for a line instead of sleeping.
#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace tunely::test {

class child_process {
public:
    child_process(const std::string& program, const std::vector<std::string>& args);
    ~child_process();  // SIGKILL if still running

    // Waits until the combined output matches `pattern`; returns the first
    // capture group (or the whole match), nullopt on timeout or exit.
    std::optional<std::string> wait_for(const std::string& pattern, std::chrono::milliseconds timeout);
    std::string output() const;
    void signal(int sig);
    // Waits for exit; returns the exit code (128+signal when killed), nullopt on timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    bool running();
    pid_t pid() const noexcept { return pid_; }

private:
    void pump();

    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::string output_;
    bool eof_ = false;
    std::optional<int> exit_code_;
};

// Path of the built tunely binary.
std::string tunely_binary();

}  // namespace tunely::test
