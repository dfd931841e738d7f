#pragma once
// The real binaries wired together for end-to-end tests: a `tunely server`
// on an ephemeral port with a throw-away SQLite database, helpers to create
// tunnels through the admin API and to start `tunely connect`.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "http_client.hpp"

namespace tunely::test {

inline constexpr const char* test_admin_key = "test-admin-key-0123456789";

struct temp_dir {
    temp_dir();
    ~temp_dir();
    std::filesystem::path path;
};

class tunely_server_process {
public:
    explicit tunely_server_process(std::vector<std::string> extra_args = {});
    // Stops the server (SIGTERM) and starts it again on the same port and database.
    void restart();
    std::uint16_t port() const noexcept { return port_; }
    child_process& process() { return *process_; }
    std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/ws/tunnel"; }
    std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    const std::filesystem::path& dir() const { return dir_.path; }

    // Admin API call with the test key.
    http_result admin(const std::string& method, const std::string& target, const std::string& body = {}) const;
    // Creates a tunnel and returns its token (fails the test on error).
    std::string create_tunnel(const std::string& domain) const;
    // The port of a --tcp-listen / --udp-listen listener (kind "TCP" or "UDP") for `domain`, from the line the
    // server prints at start (throws when there is none).
    std::uint16_t listener_port(const std::string& kind, const std::string& domain);
    // Polls the admin API until the tunnel's connected flag equals `connected`.
    bool wait_connected(const std::string& domain, bool connected = true,
                        std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
    // Polls /metrics until every line of `expected` is in it (each a whole sample line: name{labels} value)
    // or the timeout; returns the last text read. Counters move with the server's own coroutines, so a
    // moment may pass after a test's peer has seen the bytes.
    std::string wait_metrics(const std::vector<std::string>& expected,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    void start(const std::string& port);

    temp_dir dir_;
    std::vector<std::string> extra_args_;
    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
};

// Starts `tunely connect` against `server` with `token`, forwarding to `target_url`.
std::unique_ptr<child_process> start_client(const tunely_server_process& server, const std::string& token,
                                            const std::string& target_url, std::vector<std::string> extra_args = {});

}  // namespace tunely::test
