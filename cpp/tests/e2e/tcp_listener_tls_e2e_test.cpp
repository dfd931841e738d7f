// TLS on the server's TCP listeners (--listener-tls-cert/--listener-tls-key/--listener-tls-alpn, the original's
// WS_TUNNEL_LISTENER_TLS_*): the real `tunely server` terminates TLS, the real `tunely connect` carries the plain
// bytes to a plain TCP echo target. Callers are Asio TLS clients that verify the throw-away certificate.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "free_ports.hpp"
#include "tcp_peers.hpp"
#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using namespace std::chrono_literals;

// A self-signed certificate for "localhost" and its key, made by openssl in `dir`.
struct certificate {
    std::string cert, key;
};

certificate make_certificate(const std::filesystem::path& dir) {
    certificate c{(dir / "listener-cert.pem").string(), (dir / "listener-key.pem").string()};
    child_process openssl("/usr/bin/openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", c.key,
                                               "-out", c.cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                                               "subjectAltName=DNS:localhost"});
    EXPECT_EQ(openssl.wait_exit(30s), 0) << openssl.output();
    return c;
}

// One TLS connection to a listener on 127.0.0.1 that trusts only `ca` and checks the name "localhost"; it
// offers `alpn` (nothing: no ALPN extension). Every operation is bounded.
class tls_caller {
public:
    tls_caller(std::uint16_t port, const std::string& ca, const std::vector<std::string>& alpn = {})
        : context_(ssl::context::tls_client), stream_(io_, context_) {
        context_.load_verify_file(ca);
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification("localhost"));
        SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
        if (!alpn.empty()) {
            std::string wire;
            for (const auto& name : alpn) {
                wire.push_back(static_cast<char>(name.size()));
                wire += name;
            }
            EXPECT_EQ(SSL_set_alpn_protos(stream_.native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                                          static_cast<unsigned>(wire.size())),
                      0);
        }
        stream_.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    }

    boost::system::error_code handshake() {
        boost::system::error_code result = asio::error::timed_out;
        stream_.async_handshake(ssl::stream_base::client, [&](boost::system::error_code ec) { result = ec; });
        run(10s);
        return result;
    }

    // The protocol the server selected; empty: no ALPN.
    std::string alpn() {
        const unsigned char* name = nullptr;
        unsigned length = 0;
        SSL_get0_alpn_selected(stream_.native_handle(), &name, &length);
        return name ? std::string(reinterpret_cast<const char*>(name), length) : std::string();
    }

    // Sends `data` while reading `expected` bytes (both directions at once); returns what arrived in time.
    std::string send_and_receive(const std::string& data, std::size_t expected,
                                 std::chrono::seconds timeout = 60s) {
        std::string back(expected, '\0');
        std::size_t got = 0;
        asio::async_write(stream_, asio::buffer(data), [](boost::system::error_code, std::size_t) {});
        asio::async_read(stream_, asio::buffer(back), [&](boost::system::error_code, std::size_t n) { got = n; });
        run(timeout);
        back.resize(got);
        return back;
    }

    // Reads until the connection ends (or `timeout`); returns how it ended and what arrived.
    std::pair<boost::system::error_code, std::string> read_to_end(std::chrono::seconds timeout = 10s) {
        std::string all;
        boost::system::error_code ended = asio::error::timed_out;
        asio::async_read(stream_, asio::dynamic_buffer(all),
                         [&](boost::system::error_code ec, std::size_t) { ended = ec; });
        run(timeout);
        return {ended, all};
    }

    void send(const std::string& data) {
        asio::async_write(stream_, asio::buffer(data), [](boost::system::error_code, std::size_t) {});
        run(10s);
    }

    // Our close_notify: the end of our input.
    void close_notify() {
        stream_.async_shutdown([](boost::system::error_code) {});
        run(5s);
    }

private:
    // Runs what is pending until done or `timeout`, then cancels what is left and lets it finish.
    void run(std::chrono::seconds timeout) {
        io_.restart();
        io_.run_for(timeout);
        if (io_.stopped()) return;
        boost::system::error_code ignored;
        stream_.lowest_layer().cancel(ignored);
        io_.restart();
        io_.run();
    }

    asio::io_context io_;
    ssl::context context_;
    ssl::stream<asio::ip::tcp::socket> stream_;
};

class listener_tls_e2e : public ::testing::Test {
protected:
    void SetUp() override { cert = make_certificate(dir.path); }

    // A server with a TLS listener for tunnel "db" (`extra` flags added) and, with `client`, a tunnel client
    // (protocol 1.1 when `v1`) whose TCP target is the echo target.
    void start(std::vector<std::string> extra = {}, bool client = true, bool v1 = false) {
        std::vector<std::string> args{"--tcp-listen", "127.0.0.1:0:db", "--listener-tls-cert", cert.cert,
                                      "--listener-tls-key", cert.key};
        args.insert(args.end(), extra.begin(), extra.end());
        server = std::make_unique<tunely_server_process>(args);
        ASSERT_TRUE(server->process().wait_for("TCP listener on [0-9.]+:[0-9]+ for tunnel db \\(TLS\\)", 5s))
            << server->process().output();
        port = server->listener_port("TCP", "db");
        if (!client) return;
        token = server->create_tunnel("db");
        std::vector<std::string> client_args{"--tcp-target", target.address()};
        if (v1) client_args.push_back("--no-protocol-2");
        tunnel_client = start_client(*server, token, "http://127.0.0.1:9", client_args);  // HTTP target unused
        ASSERT_TRUE(server->wait_connected("db"));
    }

    std::int64_t live_connections() {
        auto v = boost::json::parse(server->admin("GET", "/api/tunnels/db").body);
        auto live = v.at("live");
        return live.is_null() ? -1 : live.at("tcp_connections").to_number<std::int64_t>();
    }

    // The ALPN protocol a caller offering `offered` ends up with (the handshake must succeed).
    std::string negotiated(const std::vector<std::string>& offered) {
        tls_caller c(port, cert.cert, offered);
        auto ec = c.handshake();
        EXPECT_FALSE(ec) << ec.message();
        return c.alpn();
    }

    // Waits (bounded) until the target has no connection open.
    bool target_idle() {
        for (int i = 0; i < 400 && target.open_connections() > 0; ++i) std::this_thread::sleep_for(25ms);
        return target.open_connections() == 0;
    }

    // A TLS caller sends `size` bytes and gets them back byte for byte, then ends its input; the target got
    // exactly those bytes (plain: TLS never reached it).
    void bulk_round_trip(std::size_t size) {
        const std::string data = deterministic_bytes(size, 11);
        tls_caller c(port, cert.cert, {"h2", "http/1.1"});
        ASSERT_FALSE(c.handshake());
        EXPECT_EQ(c.alpn(), "http/1.1");
        auto back = c.send_and_receive(data, size);
        ASSERT_EQ(back.size(), size);
        EXPECT_TRUE(back == data) << "bytes differ";
        c.close_notify();
        ASSERT_TRUE(target_idle()) << "the end of the caller's input did not end the target's connection";
        EXPECT_EQ(target.last_total(), size) << "the target got other bytes than the caller sent";
        EXPECT_EQ(target.accepted(), 1);
    }

    temp_dir dir;
    certificate cert;
    tcp_echo_target target;
    std::unique_ptr<tunely_server_process> server;
    std::unique_ptr<child_process> tunnel_client;
    std::string token;
    std::uint16_t port = 0;
};

TEST_F(listener_tls_e2e, bulk_bytes_through_tls_reach_a_plain_target_byte_exact) {
    start();
    bulk_round_trip(8u * 1024 * 1024);
}

TEST_F(listener_tls_e2e, bulk_bytes_through_tls_over_protocol_1_1) {
    start({"--v1-stream-buffer", std::to_string(64 * 1024 * 1024)}, true, true);
    bulk_round_trip(4u * 1024 * 1024);
}

TEST_F(listener_tls_e2e, alpn_selects_ours_in_our_order_or_nothing) {
    start({}, false);  // the handshake comes before the tunnel is looked up: no client needed
    EXPECT_EQ(negotiated({"h2", "http/1.1"}), "http/1.1");  // the default list: http/1.1
    EXPECT_EQ(negotiated({}), "");                          // no ALPN offered
    EXPECT_EQ(negotiated({"h2"}), "") << "no overlap: the handshake goes on without ALPN";
}

TEST_F(listener_tls_e2e, alpn_list_is_the_servers_preference) {
    start({"--listener-tls-alpn", "h2, http/1.1"}, false);
    EXPECT_EQ(negotiated({"http/1.1", "h2"}), "h2");
    EXPECT_EQ(negotiated({"http/1.1", "spdy/3"}), "http/1.1");
    EXPECT_EQ(negotiated({"imap"}), "");
}

TEST_F(listener_tls_e2e, alpn_none_answers_no_alpn) {
    start({"--listener-tls-alpn", "none"}, false);
    EXPECT_EQ(negotiated({"h2", "http/1.1"}), "");
}

TEST_F(listener_tls_e2e, plain_bytes_are_refused_before_anything_reaches_the_tunnel) {
    start();
    tcp_caller plain(port);
    plain.write("GET / HTTP/1.1\r\nHost: db\r\n\r\n");
    EXPECT_TRUE(plain.wait_closed(5s)) << "a caller that speaks no TLS is closed";
    EXPECT_EQ(live_connections(), 0);
    // A TLS caller after it goes through: the target's only connection is that one.
    tls_caller c(port, cert.cert);
    ASSERT_FALSE(c.handshake());
    EXPECT_EQ(c.send_and_receive("after", 5), "after");
    EXPECT_EQ(target.accepted(), 1) << "the plain caller reached the tunnel client";
}

TEST_F(listener_tls_e2e, a_silent_caller_is_closed_at_the_handshake_deadline) {
    start({}, false);
    tcp_caller silent(port);
    EXPECT_TRUE(silent.wait_closed(30s)) << "a caller that never completes the handshake keeps its connection";
}

TEST_F(listener_tls_e2e, the_targets_end_closes_the_session_with_close_notify) {
    start();
    {
        tls_caller c(port, cert.cert);
        ASSERT_FALSE(c.handshake());
        c.send(std::string(target_shutdown_command));
        auto [ended, rest] = c.read_to_end();
        // TLS has no portable half-close: the target's end ends the session, and cleanly — close_notify
        // before the TCP end (eof, not stream_truncated, which is how a bare TCP FIN reads under TLS).
        EXPECT_EQ(ended, asio::error::eof) << ended.message();
        EXPECT_EQ(rest, "");
    }
    ASSERT_TRUE(target_idle());
    EXPECT_EQ(target.last_total(), target_shutdown_command.size());
}

TEST_F(listener_tls_e2e, runtime_assigned_ports_serve_tls_too) {
    // A one-port range: "auto" must take that port.
    const auto free = static_cast<std::uint16_t>(free_port_range(1).first);
    const auto range = std::to_string(free) + "-" + std::to_string(free);
    start({"--tcp-ports", range, "--tcp-listen-host", "127.0.0.1"});
    auto r = server->admin("PUT", "/api/tunnels/db", R"({"tcp_port":"auto"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_NE(r.body.find("\"tcp_port\":" + std::to_string(free)), std::string::npos) << r.body;
    // The admin API says so: the static listener and the runtime one are both TLS.
    const auto listeners = boost::json::parse(server->admin("GET", "/api/tunnels/db").body).at("listeners").as_array();
    ASSERT_EQ(listeners.size(), 2u) << listeners;
    for (const auto& l : listeners) EXPECT_EQ(l.at("tls"), true) << l;
    EXPECT_TRUE(server->process().wait_for("TCP listener on 127.0.0.1:" + std::to_string(free) + " for tunnel db \\(TLS\\)", 5s))
        << server->process().output();
    tls_caller c(free, cert.cert);
    ASSERT_FALSE(c.handshake());
    EXPECT_EQ(c.send_and_receive("runtime", 7), "runtime");
    tcp_caller plain(free);
    plain.write("plain");
    EXPECT_TRUE(plain.wait_closed(5s));
}

TEST_F(listener_tls_e2e, udp_listeners_stay_plain_with_a_warning) {
    start({"--udp-listen", "127.0.0.1:0:db"}, false);
    EXPECT_TRUE(server->process().wait_for("UDP listeners stay plain", 5s)) << server->process().output();
    EXPECT_TRUE(server->process().wait_for("UDP listener on [0-9.]+:[0-9]+ for tunnel db\n", 5s))
        << "the UDP listener line has no TLS mark";
}

// A server start that must fail before it creates anything: exit code 2, and the one error line.
void expect_start_error(const std::filesystem::path& dir, const std::vector<std::string>& env,
                        const std::vector<std::string>& flags, const std::string& error) {
    std::vector<std::string> args(env);
    const auto db = dir / "never.db";
    args.insert(args.end(), {tunely_binary(), "server", "--host", "127.0.0.1", "--port", "0", "--database",
                             "sqlite:///" + db.string(), "--admin-key", "k", "--tcp-listen", "127.0.0.1:0:db"});
    args.insert(args.end(), flags.begin(), flags.end());
    child_process p("/usr/bin/env", args);
    EXPECT_EQ(p.wait_exit(10s), 2) << p.output();
    const auto out = p.output();
    EXPECT_EQ(out.rfind("error: " + error, 0), 0u) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line, no OpenSSL noise: " << out;
    EXPECT_EQ(out.find("listening"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(db)) << "the database was created before the check";
}

TEST(listener_tls_flags, startup_errors_name_the_problem) {
    temp_dir dir;
    const auto c = make_certificate(dir.path);
    const auto junk = (dir.path / "junk.pem").string();
    std::ofstream(junk) << "not a certificate\n";
    const auto missing = (dir.path / "missing.pem").string();

    expect_start_error(dir.path, {}, {"--listener-tls-cert", c.cert},
                       "--listener-tls-cert and --listener-tls-key go together");
    expect_start_error(dir.path, {"WS_TUNNEL_LISTENER_TLS_KEY_FILE=" + c.key}, {},
                       "--listener-tls-cert and --listener-tls-key go together");
    expect_start_error(dir.path, {}, {"--listener-tls-cert", junk, "--listener-tls-key", c.key},
                       "--listener-tls-cert " + junk + ": ");
    expect_start_error(dir.path, {}, {"--listener-tls-cert", missing, "--listener-tls-key", c.key},
                       "--listener-tls-cert " + missing + ": ");
    expect_start_error(dir.path, {}, {"--listener-tls-cert", c.cert, "--listener-tls-key", junk},
                       "--listener-tls-key " + junk + ": ");
    expect_start_error(dir.path, {},
                       {"--listener-tls-cert", c.cert, "--listener-tls-key", c.key, "--listener-tls-alpn",
                        "h2," + std::string(256, 'x')},
                       "--listener-tls-alpn ");
    expect_start_error(dir.path, {"WS_TUNNEL_LISTENER_TLS_CERT_FILE=" + c.cert, "WS_TUNNEL_LISTENER_TLS_KEY_FILE=" + c.key},
                       {"--listener-tls-alpn", "h2,http 1.1"}, "--listener-tls-alpn ");
}

// The original's names, when ours are not set; ours win.
TEST(listener_tls_flags, original_ws_tunnel_names_work) {
    temp_dir dir;
    const auto c = make_certificate(dir.path);
    auto negotiated_with = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"WS_TUNNEL_LISTENER_TLS_CERT_FILE=" + c.cert,
                                   "WS_TUNNEL_LISTENER_TLS_KEY_FILE=" + c.key, "WS_TUNNEL_LISTENER_TLS_ALPN=h2",
                                   "WS_TUNNEL_TCP_LISTEN=0:db", tunely_binary(), "server", "--host", "127.0.0.1",
                                   "--port", "0", "--admin-key", "k", "--database",
                                   "sqlite:///" + (dir.path / "t.db").string()});
        child_process server("/usr/bin/env", args);
        auto port = server.wait_for("TCP listener on 127\\.0\\.0\\.1:([0-9]+) for tunnel db \\(TLS\\)", 10s);
        EXPECT_TRUE(port.has_value()) << server.output();
        if (!port) return std::string("(no listener)");
        tls_caller caller(static_cast<std::uint16_t>(std::stoi(*port)), c.cert, {"http/1.1", "h2"});
        auto ec = caller.handshake();
        EXPECT_FALSE(ec) << ec.message();
        return caller.alpn();
    };
    EXPECT_EQ(negotiated_with({}), "h2");
    EXPECT_EQ(negotiated_with({"--listener-tls-alpn", "http/1.1"}), "http/1.1");
}

}  // namespace
}  // namespace tunely::test
