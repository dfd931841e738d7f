// The server out of file descriptors (RLIMIT_NOFILE, via prlimit) while callers
// keep connecting: accept fails with EMFILE and the listening socket stays
// readable. The accept loop must pause instead of spinning: over two seconds of
// being stuck the server uses a small share of one core, and once the
// connections close it serves again.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

// utime + stime of `pid`, in clock ticks (/proc/PID/stat fields 14 and 15).
long cpu_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // the name may hold spaces
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stol(field);
        if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
}

// A plain TCP connection to the server (the kernel completes it from the
// backlog even when the server cannot accept).
int connect_to(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        fd = -1;
    }
    return fd;
}

TEST(accept_backoff, out_of_file_descriptors_the_server_waits_instead_of_spinning_and_recovers) {
    temp_dir dir;
    child_process server("/usr/bin/prlimit",
                         {"--nofile=64:64", tunely_binary(), "server", "--host", "127.0.0.1", "--port", "0",
                          "--admin-key", test_admin_key, "--database",
                          "sqlite:///" + (dir.path / "tunnels.db").string()});
    auto bound = server.wait_for(R"(listening on http://[0-9.]+:([0-9]+))", std::chrono::seconds(20));
    ASSERT_TRUE(bound) << server.output();
    const auto port = static_cast<std::uint16_t>(std::stoi(*bound));

    std::vector<int> callers;
    for (int i = 0; i < 100; ++i) {
        int fd = connect_to(port);
        ASSERT_GE(fd, 0) << "connection " << i;
        callers.push_back(fd);
    }
    ASSERT_TRUE(server.wait_for("accept failed: Too many open files", std::chrono::seconds(10)))
        << "the server never ran out of descriptors:\n" << server.output();

    const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
    const auto wall_start = std::chrono::steady_clock::now();
    const long cpu_start = cpu_ticks(server.pid());
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the span measured, not a wait for an event
    const long cpu_used = cpu_ticks(server.pid()) - cpu_start;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double share = static_cast<double>(cpu_used) / static_cast<double>(ticks_per_second) / wall;
    EXPECT_LT(share, 0.2) << "the stuck server used " << share * 100 << " % of a core";

    for (int fd : callers) ::close(fd);
    http_call health;
    health.target = "/health";
    auto r = http_request(port, health);
    EXPECT_EQ(r.status, 200u) << r.error << "\n" << server.output().substr(0, 2000);
}

}  // namespace
}  // namespace tunely::test
