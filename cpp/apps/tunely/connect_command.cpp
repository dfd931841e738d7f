// `tunely connect`: runs the tunnel client until Ctrl-C or a fatal rejection.
#include "connect_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <tuple>

#include "log_options.hpp"
#include "terminal_view.hpp"
#include "tunely/client/tunnel_client.hpp"
#include "tunely/core/error.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::app {
namespace {
namespace asio = boost::asio;

struct connect_flags {
    std::string server = "ws://localhost:8080/ws/tunnel";
    std::string token;
    std::string target = "http://localhost:8090";
    std::string tcp_target;  // empty: the target URL's host and port
    std::string udp_target;  // empty: the target URL's host and port
    bool force = false;
    double reconnect = 5;
    int max_attempts = 0;
    bool no_v2 = false;
    std::string ca_file;
    bool insecure = false;
    double target_read_timeout = 300;
    std::string log_level = "info";
    bool verbose = false;  // the original's -v: --log-level debug unless --log-level is given
};

// Each raw TCP stream holds a target socket and each UDP session one too: up to client::max_tcp_connections
// plus client::max_udp_sessions of them per session, next to the target pool's. A soft descriptor limit of
// 1024 (a common default) would run out first.
void raise_descriptor_limit() {
    constexpr rlim_t wanted = 4 * (client::max_tcp_connections + client::max_udp_sessions);
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0 || l.rlim_cur >= wanted) return;
    const rlim_t before = l.rlim_cur;
    l.rlim_cur = l.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, l.rlim_max);
    if (l.rlim_cur > before && ::setrlimit(RLIMIT_NOFILE, &l) != 0)
        spdlog::warn("could not raise the open-file limit above {}", before);
}

int run_connect(const connect_flags& f) {
    apply_log_options(f.log_level);
    if (f.token.empty()) {
        std::cerr << "error: --token is required (or TUNELY_TOKEN)\n";
        return 2;
    }
    // --tcp-target and --udp-target: one rule (client::raw_target_of), checked before anything starts.
    for (const auto& [flag, value, example] : {std::tuple{"--tcp-target", &f.tcp_target, "[::1]:22"},
                                               std::tuple{"--udp-target", &f.udp_target, "[::1]:53"}}) {
        if (value->empty() || client::parse_host_port(*value)) continue;
        std::cerr << "error: " << flag << " '" << *value
                  << "' is not HOST:PORT (a port 1-65535; an IPv6 address in brackets, e.g. " << example << ")\n";
        return 2;
    }
    raise_descriptor_limit();
    asio::io_context ioc(1);
    client::client_options o;
    o.server_url = f.server;
    o.token = secret(f.token);
    o.target_url = f.target;
    o.tcp_target = f.tcp_target;
    if (!f.tcp_target.empty()) spdlog::info("raw TCP streams go to {}", f.tcp_target);
    o.udp_target = f.udp_target;
    if (!f.udp_target.empty()) spdlog::info("UDP sessions go to {}", f.udp_target);
    o.force = f.force;
    o.offer_v2 = !f.no_v2;
    o.ca_file = f.ca_file;
    o.insecure = f.insecure;
    if (f.insecure) spdlog::warn("--insecure: the server's TLS certificate is not verified");
    o.reconnect.base = std::chrono::milliseconds(static_cast<std::int64_t>(f.reconnect * 1000));
    o.max_reconnect_attempts = f.max_attempts;
    o.target_read_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(f.target_read_timeout * 1000));
    terminal_view view(f.server, f.target, ::isatty(STDOUT_FILENO) == 1);
    client::client_events ev;
    ev.on_connect = [&](const std::string& d, int p) { view.connected(d, p); };
    ev.on_disconnect = [&](const std::string& r) { view.disconnected(r); };
    ev.on_reconnecting = [&](std::chrono::milliseconds d, int a) { view.reconnecting(d, a); };
    ev.on_request = [&](const client::request_summary& s) { view.request(s); };
    ev.on_error = [&](const std::string& m) { view.error(m); };
    client::tunnel_client tunnel(ioc.get_executor(), o, ev);

    int code = 0;
    asio::co_spawn(ioc, tunnel.run(), [&](std::exception_ptr e, std::error_code ec) {
        if (e) {
            transport::log_escaped_exception("tunnel client", e);
            code = 1;
        } else if (ec == tunely::error::connection_exists) {
            view.error("this tunnel is already connected from another client; use --force to take over");
            code = 3;
        } else if (ec) {
            code = 1;
        }
        ioc.stop();
    });
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        spdlog::info("stopping");
        tunnel.stop();
        // A second signal ends at once.
        signals.async_wait([&](const boost::system::error_code& e2, int) {
            if (!e2) ioc.stop();
        });
    });
    ioc.run();
    return code;
}

}  // namespace

void add_connect_command(CLI::App& app, int& exit_code, config_file& config) {
    auto f = std::make_shared<connect_flags>();
    auto* cmd = app.add_subcommand("connect", "Connect a tunnel client to a server and forward to a target");
    cmd->add_option("-s,--server", f->server, "Tunnel server WebSocket URL")->envname("TUNELY_SERVER_URL")->capture_default_str();
    cmd->add_option("-t,--token", f->token, "Tunnel token (tun_…)")->envname("TUNELY_TOKEN");
    cmd->add_option("-T,--target", f->target, "Target service URL")->envname("TUNELY_TARGET_URL")->capture_default_str();
    cmd->add_option("--tcp-target", f->tcp_target,
                    "HOST:PORT raw TCP tunnels connect to ([::1]:22 for IPv6; default: the target URL's host and port)")
        ->envname("TUNELY_TCP_TARGET");
    cmd->add_option("--udp-target", f->udp_target,
                    "HOST:PORT UDP tunnels send to ([::1]:53 for IPv6; default: the target URL's host and port)")
        ->envname("TUNELY_UDP_TARGET");
    cmd->add_flag("-f,--force", f->force, "Take over a tunnel that is connected elsewhere")->envname("TUNELY_FORCE");
    cmd->add_option("-r,--reconnect", f->reconnect, "Base reconnect delay in seconds (doubles, capped at 300)")
        ->envname("TUNELY_RECONNECT")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-attempts", f->max_attempts, "Give up after this many failed reconnects (0 = never)")
        ->envname("TUNELY_MAX_ATTEMPTS")->capture_default_str();
    cmd->add_flag("--no-protocol-2", f->no_v2, "Speak only protocol 1.1")->envname("TUNELY_NO_PROTOCOL_2");
    cmd->add_option("--ca-file", f->ca_file, "PEM file of CAs trusted for a wss:// server (besides the system's)")
        ->envname("TUNELY_CA_FILE")->check(CLI::ExistingFile);
    cmd->add_flag("--insecure", f->insecure, "Do not verify the wss:// server's certificate (testing only)")
        ->envname("TUNELY_INSECURE");
    cmd->add_option("--target-read-timeout", f->target_read_timeout,
                    "Seconds to wait for more of a target's response body before the request fails")
        ->envname("TUNELY_TARGET_READ_TIMEOUT")->capture_default_str()->check(CLI::PositiveNumber);
    auto* log_level = add_log_level_option(cmd, f->log_level);
    cmd->add_flag("-v,--verbose", f->verbose, "Log at debug level (as --log-level debug)");
    // -c: the original's config file flag; its format (top-level server, token, …) is read too (config_file.hpp).
    config.add_option(cmd, true);
    config.add_section("connect", cmd);
    cmd->callback([f, cmd, log_level, &config, &exit_code] {
        if (!config.apply(cmd, "connect")) {
            exit_code = 2;
            return;
        }
        if (f->verbose && log_level->count() == 0) f->log_level = "debug";
        exit_code = run_connect(*f);
    });
}

}  // namespace tunely::app
