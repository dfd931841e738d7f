#include "tunely_stack.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <random>
#include <thread>

namespace tunely::test {

temp_dir::temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("tunely-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
}

temp_dir::~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

tunely_server_process::tunely_server_process(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)) {
    start("0");
}

void tunely_server_process::start(const std::string& port) {
    std::vector<std::string> args{"server", "--host", "127.0.0.1", "--port", port,
                                  "--admin-key", test_admin_key, "--log-level", "debug"};
    // A throw-away SQLite file unless the test names a database itself.
    if (std::find(extra_args_.begin(), extra_args_.end(), "--database") == extra_args_.end())
        args.insert(args.end(), {"--database", "sqlite:///" + (dir_.path / "tunnels.db").string()});
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    process_ = std::make_unique<child_process>(tunely_binary(), args);
    auto bound = process_->wait_for(R"(listening on http://[0-9.]+:([0-9]+))", std::chrono::seconds(20));
    if (!bound) throw std::runtime_error("tunely server did not start:\n" + process_->output());
    port_ = static_cast<std::uint16_t>(std::stoi(*bound));
}

void tunely_server_process::restart() {
    process_->signal(SIGTERM);
    if (!process_->wait_exit(std::chrono::seconds(20))) throw std::runtime_error("server did not stop");
    start(std::to_string(port_));
}

http_result tunely_server_process::admin(const std::string& method, const std::string& target,
                                         const std::string& body) const {
    http_call call;
    call.method = method;
    call.target = target;
    call.body = body;
    call.headers = {{"x-api-key", test_admin_key}, {"content-type", "application/json"}};
    return http_request(port_, call);
}

std::string tunely_server_process::create_tunnel(const std::string& domain) const {
    auto r = admin("POST", "/api/tunnels", R"({"domain":")" + domain + R"("})");
    if (r.status != 200) throw std::runtime_error("create tunnel failed: " + std::to_string(r.status) + " " + r.body);
    return std::string(boost::json::parse(r.body).at("token").as_string());
}

bool tunely_server_process::wait_connected(const std::string& domain, bool connected,
                                           std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = admin("GET", "/api/tunnels/" + domain);
        if (r.status == 200 && boost::json::parse(r.body).at("connected").as_bool() == connected) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition, bounded by the deadline
    }
    return false;
}

std::string tunely_server_process::wait_metrics(const std::vector<std::string>& expected,
                                                std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto text = admin("GET", "/metrics").body;
        const bool all = std::all_of(expected.begin(), expected.end(), [&](const std::string& line) {
            return text.find(line + "\n") != std::string::npos;
        });
        if (all || std::chrono::steady_clock::now() >= deadline) return text;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition, bounded by the deadline
    }
}

std::uint16_t tunely_server_process::listener_port(const std::string& kind, const std::string& domain) {
    auto port = process_->wait_for(kind + " listener on [0-9.]+:([0-9]+) for tunnel " + domain + "\\b",
                                   std::chrono::seconds(5));
    if (!port) throw std::runtime_error("no " + kind + " listener line for " + domain);
    return static_cast<std::uint16_t>(std::stoi(*port));
}

std::unique_ptr<child_process> start_client(const tunely_server_process& server, const std::string& token,
                                            const std::string& target_url, std::vector<std::string> extra_args) {
    std::vector<std::string> args{"connect", "--token", token, "--target", target_url, "--reconnect", "0.2"};
    // `extra_args` may name another --server (e.g. a TLS front); else the server's own ws:// URL.
    if (std::find(extra_args.begin(), extra_args.end(), "--server") == extra_args.end())
        args.insert(args.end(), {"--server", server.ws_url()});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return std::make_unique<child_process>(tunely_binary(), args);
}

}  // namespace tunely::test
