#include "child_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace tunely::test {

// The environment's TUNELY_BINARY first: `make test-tsan-server` runs these tests against a ThreadSanitizer build.
std::string tunely_binary() {
    if (const char* p = std::getenv("TUNELY_BINARY"); p && *p) return p;
#ifdef TUNELY_BINARY
    return TUNELY_BINARY;
#else
    throw std::runtime_error("TUNELY_BINARY not set");
#endif
}

child_process::child_process(const std::string& program, const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(program.c_str(), argv.data());
        std::fprintf(stderr, "exec %s failed: %s\n", program.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
    reader_ = std::thread([this] { pump(); });
}

child_process::~child_process() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(5));
    }
    if (reader_.joinable()) reader_.join();
    if (out_fd_ >= 0) ::close(out_fd_);
}

void child_process::pump() {
    char buf[4096];
    for (;;) {
        auto n = ::read(out_fd_, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        output_.append(buf, static_cast<std::size_t>(n));
    }
    std::lock_guard lock(mutex_);
    eof_ = true;
}

std::optional<std::string> child_process::wait_for(const std::string& pattern, std::chrono::milliseconds timeout) {
    std::regex re(pattern);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            std::smatch m;
            if (std::regex_search(output_, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
            if (eof_) return std::nullopt;
        }
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling captured output, not a timing assumption
    }
}

std::string child_process::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

void child_process::signal(int sig) {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
    if (exit_code_) return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        auto r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            // Let the reader drain the pipe, so output() holds everything the child wrote.
            auto drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            for (;;) {
                {
                    std::lock_guard lock(mutex_);
                    if (eof_) break;
                }
                if (std::chrono::steady_clock::now() > drain_deadline) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool child_process::running() {
    if (exit_code_) return false;
    return !wait_exit(std::chrono::milliseconds(0)).has_value();
}

}  // namespace tunely::test
