// `tunely connect` to a wss:// server: the tunnel server behind a TLS-terminating
// nginx (as operators deploy it), with a throw-away certificate made by openssl.
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>
#include <thread>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string program(const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
        if (std::filesystem::exists(std::string(dir) + name)) return std::string(dir) + name;
    return name;
}

// docs/nginx/tunely.conf with this test's names, ports and certificate: every placeholder must be there, so a
// change to the documented block cannot leave this test running something else.
std::string documented_nginx_block(const std::vector<std::pair<std::string, std::string>>& replacements) {
    const auto path = std::filesystem::path(TUNELY_SPEC_DIR) / ".." / "docs" / "nginx" / "tunely.conf";
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot read " << path;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& [from, to] : replacements) {
        std::size_t at = text.find(from);
        EXPECT_NE(at, std::string::npos) << "docs/nginx/tunely.conf no longer has '" << from << "'";
        for (; at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
    }
    return text;
}

class tls_e2e : public ::testing::Test {
protected:
    // nginx runs the operators' documented server block (docs/nginx/tunely.conf) in front of the tunnel server.
    void SetUp() override {
        const auto cert = (dir.path / "cert.pem").string(), key = (dir.path / "key.pem").string();
        child_process openssl(program("openssl"),
                              {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days",
                               "2", "-subj", "/CN=localhost", "-addext",
                               "subjectAltName=DNS:localhost,DNS:tunnels.test,DNS:*.tunnels.test"});
        ASSERT_EQ(openssl.wait_exit(std::chrono::seconds(30)), 0) << openssl.output();
        port = free_port();
        http_port = free_port();
        const auto block = documented_nginx_block({
            {"listen 80;", "listen 127.0.0.1:" + std::to_string(http_port) + ";"},
            {"listen [::]:80;", ""},
            {"listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(port) + " ssl;"},
            {"listen [::]:443 ssl;", ""},
            {"server 127.0.0.1:8080;", "server 127.0.0.1:" + std::to_string(server.port()) + ";"},
            {"/etc/letsencrypt/live/tunnels.example.com/fullchain.pem", cert},
            {"/etc/letsencrypt/live/tunnels.example.com/privkey.pem", key},
            {"tunnels.example.com", "tunnels.test"},
        });
        ASSERT_FALSE(HasFailure());
        std::ofstream(dir.path / "nginx.conf")
            << "daemon off;\nworker_processes 1;\nerror_log " << (dir.path / "error.log").string() << ";\npid "
            << (dir.path / "nginx.pid").string() << ";\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
            << block << "\n}\n";
        nginx = std::make_unique<child_process>(
            program("nginx"), std::vector<std::string>{"-c", (dir.path / "nginx.conf").string(), "-p", dir.path.string()});
        // Ready when it accepts connections.
        for (int i = 0; i < 100; ++i) {
            boost::asio::io_context io;
            boost::asio::ip::tcp::socket s(io);
            boost::system::error_code ec;
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
            if (!ec) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL() << "nginx did not start: " << nginx->output();
    }

    // nginx's workers share its output pipe: stop the master properly so they exit
    // too (a SIGKILL would orphan them and keep the pipe open).
    void TearDown() override {
        if (!nginx) return;
        nginx->signal(SIGTERM);
        if (!nginx->wait_exit(std::chrono::seconds(10))) nginx->signal(SIGKILL);
    }

    std::string wss_url() const { return "wss://localhost:" + std::to_string(port) + "/ws/tunnel"; }
    std::string ca() const { return (dir.path / "cert.pem").string(); }

    temp_dir dir;
    test_target target;
    tunely_server_process server{{"--domain", "tunnels.test"}};
    std::uint16_t port = 0;       // nginx's HTTPS listener
    std::uint16_t http_port = 0;  // nginx's plain listener (redirects)
    std::unique_ptr<child_process> nginx;
};

http_result get(const tunely_server_process& server, const std::string& target) {
    http_call c;
    c.target = target;
    return http_request(server.port(), c);
}

TEST_F(tls_e2e, connects_over_wss_with_a_verified_certificate) {
    auto token = server.create_tunnel("secure");
    auto client = start_client(server, token, target.url(), {"--server", wss_url(), "--ca-file", ca()});
    ASSERT_TRUE(server.wait_connected("secure")) << client->output();
    auto r = get(server, "/t/secure/echo?over=tls");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_NE(r.body.find("over=tls"), std::string::npos);
}

TEST_F(tls_e2e, refuses_an_unverified_certificate_and_says_how_to_fix_it) {
    auto token = server.create_tunnel("strict");
    auto client = start_client(server, token, target.url(), {"--server", wss_url()});
    auto said = client->wait_for("TLS handshake with [^ ]+ failed: ([^\\n]*)", std::chrono::seconds(20));
    ASSERT_TRUE(said.has_value()) << client->output();
    EXPECT_NE(said->find("certificate verify failed"), std::string::npos) << *said;
    EXPECT_NE(said->find("--ca-file"), std::string::npos) << *said;
    EXPECT_FALSE(server.wait_connected("strict", true, std::chrono::milliseconds(500)));

    // The name must match too: the certificate names localhost only, not 127.0.0.1.
    auto wrong_name = start_client(server, token, target.url(),
                                   {"--server", "wss://127.0.0.1:" + std::to_string(port) + "/ws/tunnel", "--ca-file", ca()});
    EXPECT_TRUE(wrong_name->wait_for("TLS handshake with [^ ]+ failed", std::chrono::seconds(20)).has_value())
        << wrong_name->output();
}

TEST_F(tls_e2e, insecure_skips_verification) {
    auto token = server.create_tunnel("lax");
    auto client = start_client(server, token, target.url(), {"--server", wss_url(), "--insecure"});
    ASSERT_TRUE(server.wait_connected("lax")) << client->output();
    EXPECT_EQ(get(server, "/t/lax/echo").status, 200u);
    EXPECT_NE(client->output().find("--insecure"), std::string::npos) << "the warning is printed";
}

// curl over HTTPS, trusting only our certificate; returns body + "\n" + status.
std::string curl(const std::string& ca, std::vector<std::string> args) {
    std::vector<std::string> all{"-s", "--cacert", ca, "-w", "\n%{http_code}"};
    all.insert(all.end(), args.begin(), args.end());
    child_process c(program("curl"), all);
    EXPECT_EQ(c.wait_exit(std::chrono::seconds(20)), 0) << c.output();
    return c.output();
}

// The documented block carries both public addresses over HTTPS, tells the tunnel server the caller's scheme,
// and sends plain HTTP to HTTPS.
TEST_F(tls_e2e, the_documented_nginx_block_routes_by_path_and_by_host) {
    auto token = server.create_tunnel("docs");
    auto client = start_client(server, token, target.url(), {"--server", wss_url(), "--ca-file", ca()});
    ASSERT_TRUE(server.wait_connected("docs")) << client->output();
    const auto p = std::to_string(port);
    const std::vector<std::string> resolve{"--resolve", "tunnels.test:" + p + ":127.0.0.1", "--resolve",
                                           "docs.tunnels.test:" + p + ":127.0.0.1"};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.begin(), resolve.begin(), resolve.end());
        return args;
    };

    auto by_path = curl(ca(), with({"https://tunnels.test:" + p + "/t/docs/echo?via=path"}));
    EXPECT_TRUE(by_path.ends_with("\n200")) << by_path;
    EXPECT_NE(by_path.find("\"target\":\"/echo?via=path\""), std::string::npos) << by_path;
    EXPECT_NE(by_path.find("\"x-forwarded-proto\":\"https\""), std::string::npos) << by_path;

    auto by_host = curl(ca(), with({"https://docs.tunnels.test:" + p + "/echo?via=host"}));
    EXPECT_TRUE(by_host.ends_with("\n200")) << by_host;
    EXPECT_NE(by_host.find("\"target\":\"/echo?via=host\""), std::string::npos) << by_host;

    // A streamed body larger than nginx's default client_max_body_size (1 MiB) goes through.
    const auto big = dir.path / "big.bin";
    std::ofstream(big, std::ios::binary) << std::string(3 * 1024 * 1024, 'x');
    auto upload = curl(ca(), with({"--data-binary", "@" + big.string(), "-o", "/dev/null",
                                   "https://docs.tunnels.test:" + p + "/echo-body"}));
    EXPECT_TRUE(upload.ends_with("\n200")) << upload;

    auto plain = curl(ca(), {"-H", "Host: docs.tunnels.test", "http://127.0.0.1:" + std::to_string(http_port) + "/x?y"});
    EXPECT_TRUE(plain.ends_with("\n301")) << plain;
}

TEST_F(tls_e2e, the_server_terminates_tls_itself) {
    const auto key_file = (dir.path / "key.pem").string();
    child_process tls_server(tunely_binary(), {"server", "--host", "127.0.0.1", "--port", "0", "--admin-key",
                                               test_admin_key, "--database",
                                               "sqlite:///" + (dir.path / "tls.db").string(), "--tls-cert", ca(),
                                               "--tls-key", key_file});
    auto bound = tls_server.wait_for("listening on https://127\\.0\\.0\\.1:([0-9]+)", std::chrono::seconds(20));
    ASSERT_TRUE(bound.has_value()) << tls_server.output();
    const std::string base = "https://localhost:" + *bound;

    auto created = curl(ca(), {"-H", std::string("x-api-key: ") + test_admin_key, "-d", R"({"domain":"direct"})",
                               base + "/api/tunnels"});
    ASSERT_EQ(created.substr(created.size() - 3), "200") << created;
    auto token_at = created.find("tun_");
    ASSERT_NE(token_at, std::string::npos) << created;
    auto token = created.substr(token_at, 47);

    auto info = curl(ca(), {base + "/api/info"});
    EXPECT_NE(info.find("\"websocket_url\":\"wss://localhost:" + *bound + "/ws/tunnel\""), std::string::npos) << info;

    child_process client(tunely_binary(), {"connect", "--server", "wss://localhost:" + *bound + "/ws/tunnel", "--token",
                                           token, "--target", target.url(), "--ca-file", ca()});
    ASSERT_TRUE(client.wait_for("connected: tunnel 'direct'", std::chrono::seconds(20)).has_value()) << client.output();
    auto echoed = curl(ca(), {base + "/t/direct/echo?over=direct-tls"});
    EXPECT_EQ(echoed.substr(echoed.size() - 3), "200") << echoed;
    EXPECT_NE(echoed.find("over=direct-tls"), std::string::npos) << echoed;
    EXPECT_NE(echoed.find("\"x-forwarded-proto\":\"https\""), std::string::npos) << echoed;

    // A plain-HTTP request to the TLS port is no request: nothing is served, nothing crashes.
    http_call plain;
    plain.target = "/health";
    plain.timeout = std::chrono::seconds(5);
    EXPECT_NE(http_request(static_cast<std::uint16_t>(std::stoi(*bound)), plain).status, 200u);
    auto health = curl(ca(), {base + "/health"});
    EXPECT_EQ(health.substr(health.size() - 3), "200") << "the server still serves TLS afterwards";
}

TEST(tls_flags, cert_and_key_go_together_and_must_load) {
    temp_dir dir;
    std::ofstream(dir.path / "bad.pem") << "not a certificate";
    const auto db = "sqlite:///" + (dir.path / "t.db").string();
    child_process half(tunely_binary(), {"server", "--port", "0", "--database", db, "--admin-key", "k", "--tls-cert",
                                         (dir.path / "bad.pem").string()});
    EXPECT_EQ(half.wait_exit(std::chrono::seconds(10)), 2);
    EXPECT_NE(half.output().find("--tls-cert and --tls-key go together"), std::string::npos) << half.output();
    child_process bad(tunely_binary(), {"server", "--port", "0", "--database", db, "--admin-key", "k", "--tls-cert",
                                        (dir.path / "bad.pem").string(), "--tls-key", (dir.path / "bad.pem").string()});
    EXPECT_EQ(bad.wait_exit(std::chrono::seconds(10)), 2);
    EXPECT_NE(bad.output().find("error: --tls-cert"), std::string::npos) << bad.output();

    // The client reads its CA file once, before connecting: a bad one ends it with the reason, no retry loop.
    child_process client(tunely_binary(), {"connect", "--server", "wss://localhost:1/ws/tunnel", "--token", "tun_x",
                                           "--ca-file", (dir.path / "bad.pem").string()});
    auto code = client.wait_exit(std::chrono::seconds(10));
    ASSERT_TRUE(code.has_value()) << client.output();
    EXPECT_NE(*code, 0);
    EXPECT_NE(client.output().find("cannot read --ca-file"), std::string::npos) << client.output();
}

}  // namespace
}  // namespace tunely::test
