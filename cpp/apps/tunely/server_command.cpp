// `tunely server`: the standalone tunnel server on one I/O thread plus a small
// database pool.
#include "server_command.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <tuple>
#include <vector>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>

#include "admin_key.hpp"
#include "database_url.hpp"
#include "env_aliases.hpp"
#include "io_threads.hpp"
#include "log_options.hpp"
#include "tunely/admin/admin_api.hpp"
#include "tunely/admin/console_files.hpp"
#include "tunely/admin/traffic_window.hpp"
#include "tunely/admin/metrics.hpp"
#include "tunely/core/error.hpp"
#include "tunely/server/http_connection.hpp"
#include "tunely/server/request_log_writer.hpp"
#include "tunely/server/accept_loop.hpp"
#include "tunely/server/listener_tls.hpp"
#include "tunely/server/server_tls.hpp"
#include "tunely/server/tcp_listener.hpp"
#include "tunely/server/tcp_listeners.hpp"
#include "tunely/server/udp_listeners.hpp"
#include "tunely/server/tunnel_server.hpp"
#include "tunely/transport/spawn.hpp"
#include "tunely/transport/task_group.hpp"

namespace tunely::app {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;

struct server_flags {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8080;
    std::string database = "sqlite:///./data/tunnels.db";
    std::string domain = "localhost";
    std::string ws_path = "/ws/tunnel";
    std::string admin_key;
    std::string public_url;
    std::string cors_origins;  // the original's --cors-origins: accepted, not supported (a warning when set)
    bool verbose = false;      // the original's -v: --log-level debug unless --log-level is given
    std::string console_dir;  // empty: look for admin-console/dist
    std::string root_response_file;  // GET /: this file as text/html; empty: "OK" (admin_options::root_page)
    std::string tls_cert;     // PEM certificate chain; with tls_key: the server terminates TLS itself
    std::string tls_key;
    std::string listener_tls_cert;  // PEM, with listener_tls_key: the TCP listeners terminate TLS
    std::string listener_tls_key;
    std::string listener_tls_alpn = "http/1.1";  // comma list; "none" or empty: no ALPN
    double request_timeout = 300;
    double ping_interval = 30;
    double idle_timeout = 90;
    double auth_timeout = 30;
    std::size_t v1_max_body = 10 * 1024 * 1024;
    bool no_v2 = false;
    bool no_request_log = false;
    bool no_migrate = false;
    double log_retention_days = 30;
    std::int64_t log_max_rows = 1'000'000;
    std::string log_level = "info";
    std::size_t auth_failures_per_minute = 10;
    double shutdown_grace = 10;
    std::size_t threads = 0;  // 0: one per core
    double send_timeout = 60;
    double header_timeout = 60;
    std::size_t max_streams = 256;
    std::size_t max_queued_frames = 16 * 1024;
    std::size_t max_queued_bytes = 32 * 1024 * 1024;
    std::size_t v1_stream_buffer = 8 * 1024 * 1024;
    std::uint64_t first_stream_id = 1;
    std::vector<std::string> tcp_listen;  // [HOST:]PORT:DOMAIN each
    std::string tcp_listen_host;          // default host of --tcp-listen entries (empty: --host)
    std::string tcp_ports;                // LOW-HIGH: ports the admin API may assign to tunnels
    std::vector<std::string> udp_listen;  // [HOST:]PORT:DOMAIN each
    std::string udp_ports;                // LOW-HIGH: UDP ports the admin API may assign to tunnels
    std::size_t udp_max_sessions = 256;
    double udp_session_timeout = 60;
    std::size_t tcp_max_connections = 1024;
    double tcp_idle_timeout = 300;
    std::size_t tcp_forward_max_buffer = 10 * 1024 * 1024;  // admin /forward on a tcp tunnel
};

// "LOW-HIGH", 1 ≤ LOW ≤ HIGH ≤ 65535.
std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_port_range(const std::string& text) {
    unsigned low = 0, high = 0;
    char dash = 0;
    int used = 0;
    if (std::sscanf(text.c_str(), "%u%c%u%n", &low, &dash, &high, &used) != 3 || dash != '-' ||
        used != static_cast<int>(text.size()) || low < 1 || high > 65535 || low > high)
        return std::nullopt;
    return std::make_pair(static_cast<std::uint16_t>(low), static_cast<std::uint16_t>(high));
}

const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

// When `ours` was given neither as a flag, by its TUNELY_ variable nor by the config file, the original's variable
// (its add_env_alias(…, caller_reads) name) sets `value` (a number ≥ 0; anything else is ignored with a warning,
// never read as 0 = "off").
template <class Number>
void original_fallback(const CLI::Option* ours, Number& value) {
    const auto alias = set_alias(ours);
    if (ours->count() != 0 || !alias) return;
    const char* name = alias->c_str();
    const char* text = env(name);
    if (!text) return;
    char* end = nullptr;
    const double parsed = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(parsed >= 0) || parsed > 1e12) {
        spdlog::warn("{}={}: not a number >= 0, ignored", name, text);
        return;
    }
    value = static_cast<Number>(parsed);
}

// The same for a text option: the original's variable counts when set, even empty.
void original_fallback(const CLI::Option* ours, std::string& value) {
    const auto alias = set_alias(ours);
    if (ours->count() != 0 || !alias) return;
    if (const char* text = std::getenv(alias->c_str())) value = text;
}

// --tcp-listen / --udp-listen entries (also comma-separated lists, as TUNELY_TCP_LISTEN), else the
// original's WS_TUNNEL_TCP_LISTEN / WS_TUNNEL_UDP_LISTEN ("port:domain[,port:domain…]", bad entries
// skipped, a repeated port: the last wins) bound to WS_TUNNEL_TCP_LISTEN_HOST (both kinds, as the
// original) or 127.0.0.1. Nothing after saying why on error.
std::optional<std::vector<server::tcp_listen_spec>> listen_specs(const server_flags& f,
                                                                 const std::vector<std::string>& entries,
                                                                 const char* flag, const char* original_env) {
    std::vector<server::tcp_listen_spec> out;
    auto split = [](std::string_view list, auto&& each) {
        while (!list.empty()) {
            auto comma = list.find(',');
            auto item = list.substr(0, comma);
            while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
            while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
            if (!item.empty()) each(item);
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    };
    bool ok = true;
    for (const auto& entry : entries) {
        split(entry, [&](std::string_view item) {
            std::string problem;
            auto spec = server::parse_tcp_listen(item, problem);
            if (!spec) {
                std::cerr << "error: " << flag << " " << item << ": " << problem << "\n";
                ok = false;
                return;
            }
            if (spec->host.empty()) spec->host = f.tcp_listen_host.empty() ? f.host : f.tcp_listen_host;
            out.push_back(std::move(*spec));
        });
    }
    if (!ok) return std::nullopt;
    if (out.empty()) {
        if (const char* original = env(original_env)) {
            const char* host = env("WS_TUNNEL_TCP_LISTEN_HOST");
            split(original, [&](std::string_view item) {
                std::string problem;
                auto spec = item.find(':') == item.rfind(':') ? server::parse_tcp_listen(item, problem) : std::nullopt;
                if (!spec) {
                    spdlog::warn("{}: entry '{}' skipped (expected port:domain)", original_env, item);
                    return;
                }
                spec->host = host ? host : "127.0.0.1";
                std::erase_if(out, [&](const auto& s) { return s.port == spec->port; });
                out.push_back(std::move(*spec));
            });
        }
    }
    return out;
}

// Every static listener binds, or the server does not start (a port in use, as the original). Each prints
// one line that tests and scripts read (with port 0: the port chosen). False after saying why.
bool open_static_listeners(server::port_listeners& ports, const std::vector<server::tcp_listen_spec>& specs,
                           const char* flag, const char* kind, std::string_view note = {}) {
    for (const auto& spec : specs) {
        std::string problem;
        auto port = ports.open_static(spec, problem);
        if (!port) {
            std::cerr << "error: " << flag << " " << spec.host << ":" << spec.port << ":" << spec.domain
                      << ": cannot listen: " << problem << "\n";
            return false;
        }
        std::cout << kind << " listener on " << spec.host << ":" << *port << " for tunnel " << spec.domain << note
                  << "\n" << std::flush;
    }
    return true;
}

// The console build: --console-dir when given (an error if unusable), else
// admin-console/dist under the working directory or the source tree the binary
// was built in (build/apps/tunely/tunely → ../../../admin-console/dist).
std::optional<admin::console_files> find_console(const std::string& flag, bool& fatal) {
    namespace fs = std::filesystem;
    std::string problem;
    fatal = false;
    if (!flag.empty()) {
        auto c = admin::console_files::load(flag, problem);
        if (!c) {
            std::cerr << "error: --console-dir: " << problem << "\n";
            fatal = true;
        }
        return c;
    }
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    for (fs::path dir : {fs::path("admin-console/dist"), exe.parent_path() / "../../../admin-console/dist"}) {
        if (auto c = admin::console_files::load(dir, problem)) {
            spdlog::info("admin console: {} ({} files) at /admin/", fs::weakly_canonical(dir, ec).string(), c->file_count());
            return c;
        }
    }
    spdlog::info("admin console not built (admin-console/dist): /admin/ answers 404");
    return std::nullopt;
}

std::chrono::milliseconds seconds(double s) { return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); }

// Everything that is neither ingress nor a tunnel goes to the admin API (and the console).
server::fallback_handler admin_fallback(admin::admin_api& admin) {
    return [&admin](server::http_request& r) { return admin.handle(r); };
}

// One accepted connection over TLS: the handshake (bounded), then HTTP as usual.
awaitable<void> serve_tls(tcp::socket socket, asio::ssl::context& tls, server::tunnel_server& tunnels,
                          admin::admin_api& admin, server::connection_options options) {
    server::tls_stream stream(boost::beast::tcp_stream(std::move(socket)), tls);
    if (auto failed = co_await server::accept_tls(stream)) {
        spdlog::debug("TLS handshake failed: {}", failed.message());
        co_return;
    }
    co_await server::serve_http_connection(tunnels, std::move(stream), admin_fallback(admin), options);
}

// The HTTP port: ingress, tunnel WebSockets, admin API. `tls`: set when the server terminates TLS itself.
std::function<void(tcp::socket)> serve_http(server::tunnel_server& tunnels, admin::admin_api& admin,
                                            asio::ssl::context* tls, server::connection_options options,
                                            transport::task_group& connections) {
    // Each connection runs on its socket's I/O thread (io_threads.hpp).
    return [&tunnels, &admin, tls, options, &connections](tcp::socket socket) {
        const auto at = socket.get_executor();
        if (tls) {
            connections.spawn(at, serve_tls(std::move(socket), *tls, tunnels, admin, options), "tls connection");
            return;
        }
        connections.spawn(at,
                          server::serve_http_connection(tunnels, boost::beast::tcp_stream(std::move(socket)),
                                                        admin_fallback(admin), options),
                          "http connection");
    };
}


// --tls-cert/--tls-key: both or neither. Returns false (after saying why) when unusable.
bool load_tls(const server_flags& f, std::optional<asio::ssl::context>& tls) {
    std::string problem;
    tls = server::load_tls_server_context({f.tls_cert, f.tls_key}, "--tls-cert", "--tls-key", problem);
    if (problem.empty()) return true;
    std::cerr << "error: " << problem << "\n";
    return false;
}

// --listener-tls-cert/--listener-tls-key (both or neither) and --listener-tls-alpn. Returns false (after saying
// why) when unusable; `tls` stays empty when listener TLS is off.
bool load_listener_tls(const server_flags& f, std::shared_ptr<server::listener_tls>& tls) {
    std::string problem;
    auto context = server::load_tls_server_context({f.listener_tls_cert, f.listener_tls_key}, "--listener-tls-cert",
                                                   "--listener-tls-key", problem);
    if (!problem.empty()) {
        std::cerr << "error: " << problem << "\n";
        return false;
    }
    auto alpn = server::parse_alpn_list(f.listener_tls_alpn, problem);
    if (!alpn) {
        std::cerr << "error: --listener-tls-alpn " << f.listener_tls_alpn << ": " << problem << "\n";
        return false;
    }
    if (context) tls = std::make_shared<server::listener_tls>(std::move(*context), *alpn);
    return true;
}

// --root-response-file: read once at start (at most 1 MiB; a page, not a download). Returns false (after saying
// why) when it cannot be used; `page` stays empty without the flag.
bool load_root_page(const server_flags& f, std::optional<std::string>& page) {
    if (f.root_response_file.empty()) return true;
    constexpr std::uintmax_t max_bytes = 1024 * 1024;
    std::error_code ec;
    const auto size = std::filesystem::file_size(f.root_response_file, ec);
    std::ifstream in(f.root_response_file, std::ios::binary);
    if (ec || !in) {
        std::cerr << "error: --root-response-file " << f.root_response_file << ": cannot read it"
                  << (ec ? ": " + ec.message() : std::string()) << "\n";
        return false;
    }
    if (size > max_bytes) {
        std::cerr << "error: --root-response-file " << f.root_response_file << ": " << size
                  << " bytes; at most 1 MiB\n";
        return false;
    }
    page.emplace(static_cast<std::size_t>(size), '\0');
    in.read(page->data(), static_cast<std::streamsize>(size));
    page->resize(static_cast<std::size_t>(in.gcount()));
    return true;
}

int run_server(const server_flags& f) {
    apply_log_options(f.log_level);
    std::optional<asio::ssl::context> tls;
    if (!load_tls(f, tls)) return 2;
    std::shared_ptr<server::listener_tls> listener_tls;
    if (!load_listener_tls(f, listener_tls)) return 2;
    std::optional<std::string> root_page;
    if (!load_root_page(f, root_page)) return 2;
    std::string problem;
    auto url = store::parse_database_url(f.database, problem);
    if (!url) {
        std::cerr << "error: --database: " << problem << "\n";
        return 2;
    }
    boost::system::error_code address_error;
    const auto address = asio::ip::make_address(f.host, address_error);
    if (address_error) {
        std::cerr << "error: --host " << f.host << ": not an IP address\n";
        return 2;
    }

    // Declared before the I/O threads, so it outlives them: when a second signal stops the I/O with caller
    // connections still running, their operations (which hold the group's cancellation slots) and handlers
    // are destroyed first (io_threads::run shuts every context down); the handlers never run.
    std::optional<transport::task_group> callers;
    io_threads threads(f.threads == 0 ? io_threads::default_count() : f.threads);
    asio::io_context& ioc = threads.main();
    // The port first: a server that cannot listen (the port in use) creates no database file and no admin key.
    auto acceptor = std::make_shared<tcp::acceptor>(ioc);
    {
        const tcp::endpoint ep(address, f.port);
        boost::system::error_code ec;
        acceptor->open(ep.protocol(), ec);
        if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor->bind(ep, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            std::cerr << "error: cannot listen on " << f.host << ":" << f.port << ": " << ec.message() << "\n";
            return 1;
        }
    }
    std::shared_ptr<store::store> db;
    try {
        db = open_store(*url);
        int found = db->schema_version();
        if (found > db->latest_schema_version()) {
            std::cerr << "error: database schema version " << found << " is newer than this build supports ("
                      << db->latest_schema_version() << ")\n";
            return 1;
        }
        if (found < db->latest_schema_version()) {
            if (f.no_migrate) {
                std::cerr << "error: database schema version " << found << " is older than this build needs ("
                          << db->latest_schema_version() << "); run `tunely db upgrade` or start without --no-migrate\n";
                return 1;
            }
            db->migrate_to(db->latest_schema_version());
            spdlog::info("database schema migrated {} → {}", found, db->latest_schema_version());
        }
    } catch (const std::exception& e) {
        std::cerr << "error: cannot open the database " << url->redacted << ": " << e.what() << "\n";
        return 1;
    }

    std::string admin_key = f.admin_key;
    if (admin_key.empty()) {
        try {
            auto k = load_or_create_admin_key(data_directory(*url));
            admin_key = k.key;
            if (k.generated) {
                std::cout << "Generated an admin API key (shown once, stored in " << k.path << "):\n  "
                          << admin_key << "\n" << std::flush;
            } else {
                spdlog::info("admin API key loaded from {}", k.path);
            }
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
            return 1;
        }
    }

    auto store = std::make_shared<server::store_executor>(db, 4);
    server::server_options so;
    so.ws_path = f.ws_path;
    so.base_domain = f.domain;
    so.offer_v2 = !f.no_v2;
    so.request_timeout = seconds(f.request_timeout);
    so.ping_interval = seconds(f.ping_interval);
    so.idle_timeout = seconds(f.idle_timeout);
    so.auth_timeout = seconds(f.auth_timeout);
    so.v1_max_body = f.v1_max_body;
    so.auth_failures_per_minute = f.auth_failures_per_minute;
    so.send_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(f.send_timeout * 1000));
    so.max_streams_per_session = f.max_streams;
    so.max_queued_frames = f.max_queued_frames;
    so.max_queued_bytes = f.max_queued_bytes;
    so.v1_stream_buffer = f.v1_stream_buffer;
    so.first_stream_id = f.first_stream_id;
    so.max_tcp_connections = f.tcp_max_connections;
    so.tcp_idle_timeout = seconds(f.tcp_idle_timeout);
    so.tcp_forward_max_buffer = f.tcp_forward_max_buffer;
    so.max_udp_sessions = f.udp_max_sessions;
    so.udp_session_timeout = seconds(f.udp_session_timeout);
    server::tunnel_server tunnels(ioc.get_executor(), store, so);
    tunnels.set_tcp_listener_tls(listener_tls);

    server::log_writer_options lo;
    lo.retention = std::chrono::duration_cast<std::chrono::hours>(
        std::chrono::duration<double, std::ratio<86400>>(f.log_retention_days));
    lo.max_rows = f.log_max_rows;
    auto log_writer = std::make_shared<server::request_log_writer>(ioc.get_executor(), *store, lo);
    admin::metrics metrics(tunnels, f.no_request_log ? nullptr : log_writer);
    admin::traffic_window traffic;
    tunnels.on_exchange([&metrics, &traffic, log_writer, logging = !f.no_request_log](server::exchange_record r) {
        metrics.observe(r);
        traffic.observe(r, std::chrono::system_clock::now());
        if (logging) log_writer->submit(std::move(r));
    }, !f.no_request_log);
    if (!f.no_request_log) log_writer->start();
    bool console_fatal = false;
    auto console = find_console(f.console_dir, console_fatal);
    if (console_fatal) return 2;
    callers.emplace(ioc.get_executor());
    // Runtime ports bind where the static listeners do by default; UDP receive loops are joined with the callers.
    const auto listen_host = f.tcp_listen_host.empty() ? f.host : f.tcp_listen_host;
    server::tcp_listeners tcp_ports(tunnels, *callers, listen_host);
    server::udp_listeners udp_ports(tunnels, *callers, listen_host);
    for (auto [ports, flag, text] : {std::tuple<server::port_listeners*, const char*, const std::string*>{
                                         &tcp_ports, "--tcp-ports", &f.tcp_ports},
                                     {&udp_ports, "--udp-ports", &f.udp_ports}}) {
        if (text->empty()) continue;
        auto range = parse_port_range(*text);
        if (!range) {
            std::cerr << "error: " << flag << " " << *text << ": expected LOW-HIGH (1-65535, LOW <= HIGH)\n";
            return 2;
        }
        ports->set_port_range(range->first, range->second);
    }
    admin::admin_api admin(tunnels, admin::admin_options{secret(admin_key), f.public_url, &metrics, &traffic,
                                                         console ? &*console : nullptr, tls ? "wss" : "ws",
                                                         &tcp_ports, &udp_ports, std::move(root_page)});

    const auto tcp_specs = listen_specs(f, f.tcp_listen, "--tcp-listen", "WS_TUNNEL_TCP_LISTEN");
    if (!tcp_specs) return 2;
    const auto udp_specs = listen_specs(f, f.udp_listen, "--udp-listen", "WS_TUNNEL_UDP_LISTEN");
    if (!udp_specs) return 2;
    if (listener_tls && (!udp_specs->empty() || !f.udp_ports.empty()))
        spdlog::warn("listener TLS applies to the TCP listeners only: the UDP listeners stay plain");
    // Ports the admin API assigned to tunnels: reopened (a port another process took meanwhile is logged; the
    // tunnel keeps it in the store and the admin API can move it).
    try {
        for (const auto& t : db->tunnels_with_ports()) {
            for (auto [ports, port] : {std::pair<server::port_listeners*, std::optional<int>>{&tcp_ports, t.tcp_port},
                                       {&udp_ports, t.udp_port}}) {
                std::string problem;
                if (port && !ports->restore(t.domain, static_cast<std::uint16_t>(*port), problem))
                    spdlog::error("tunnel {}: cannot reopen its {} port {}: {}", t.domain, ports->protocol(), *port,
                                  problem);
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "error: reading the tunnels' TCP and UDP ports: " << e.what() << "\n";
        return 1;
    }
    if (!open_static_listeners(tcp_ports, *tcp_specs, "--tcp-listen", "TCP", listener_tls ? " (TLS)" : "") ||
        !open_static_listeners(udp_ports, *udp_specs, "--udp-listen", "UDP"))
        return 1;
    auto bound = acceptor->local_endpoint();
    // Tests and scripts read this line to learn the port (with --port 0).
    std::cout << "Tunely server listening on " << (tls ? "https://" : "http://") << bound.address().to_string() << ":"
              << bound.port() << " (tunnels at " << (tls ? "wss" : "ws") << "://…:" << bound.port() << f.ws_path << ")\n"
              << std::flush;

    server::connection_options conn_options;
    conn_options.header_timeout = seconds(f.header_timeout);
    conn_options.sessions = &*callers;  // an upgraded connection's session is joined with the callers
    transport::spawn(ioc.get_executor(),
                     server::accept_loop(acceptor,
                                         serve_http(tunnels, admin, tls ? &*tls : nullptr, conn_options, *callers),
                                         [&threads] { return threads.next(); }),
                     "accept loop");

    // Shutdown is a sequence: stop accepting; sessions go away and finish their exchanges within
    // --shutdown-grace; the caller connections left (idle keep-alive ones) are cancelled and joined
    // (bounded); the request log is flushed (bounded); then the I/O stops. A second signal stops at once.
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    bool shutting_down = false;
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            if (shutting_down) {
                spdlog::warn("signal {} again: stopping now", sig);
                threads.stop();
                return;
            }
            shutting_down = true;
            spdlog::info("signal {}: shutting down (grace {} s; a second signal stops at once)", sig,
                         f.shutdown_grace);
            boost::system::error_code ignored;
            acceptor->close(ignored);
            tcp_ports.close_all();
            udp_ports.close_all();
            signals.async_wait(on_signal);
            transport::spawn(
                ioc.get_executor(),
                [](asio::io_context& io, server::tunnel_server& t, transport::task_group& callers,
                   std::shared_ptr<server::request_log_writer> w, std::chrono::milliseconds grace) -> awaitable<void> {
                    using namespace asio::experimental::awaitable_operators;
                    co_await t.shutdown(grace);
                    callers.cancel();
                    asio::steady_timer join_deadline(io, std::chrono::seconds(2));
                    co_await (callers.join() || join_deadline.async_wait(use_awaitable));
                    if (callers.size() > 0) spdlog::warn("{} caller connections did not end in time", callers.size());
                    asio::steady_timer flush_deadline(io, std::chrono::seconds(5));
                    co_await (w->stop() || flush_deadline.async_wait(use_awaitable));
                    io.stop();
                }(ioc, tunnels, *callers, log_writer, std::chrono::milliseconds(static_cast<std::int64_t>(f.shutdown_grace * 1000))),
                "shutdown");
        };
    signals.async_wait(on_signal);
    threads.run();
    callers.reset();  // its notifier's timer goes while the (shut down) main context still exists
    store->stop();
    spdlog::info("server stopped");
    return 0;
}

}  // namespace

void add_server_command(CLI::App& app, int& exit_code, config_file& config) {
    auto f = std::make_shared<server_flags>();
    auto* cmd = app.add_subcommand("server", "Run the tunnel server (alias: serve)");
    cmd->alias("serve");
    // The original's short flags (tunely-0.12.md §8): -h is --host there, help is --help only.
    cmd->set_help_flag("--help", "Print this help message and exit");
    cmd->add_option("-h,--host", f->host, "Address to listen on")->envname("TUNELY_HOST")->capture_default_str();
    cmd->add_option("-p,--port", f->port, "Port to listen on (0 = any free port)")->envname("TUNELY_PORT")->capture_default_str();
    add_env_alias(cmd->add_option("-D,--database", f->database, "Database URL (also WS_TUNNEL_DATABASE_URL)")
                      ->envname("TUNELY_DATABASE_URL")->capture_default_str(),
                  "WS_TUNNEL_DATABASE_URL");
    cmd->add_option("-d,--domain", f->domain, "Base domain for Host-based ingress ({tunnel}.{domain})")
        ->envname("TUNELY_DOMAIN")->capture_default_str();
    cmd->add_option("--ws-path", f->ws_path, "WebSocket path for tunnel clients")->envname("TUNELY_WS_PATH")->capture_default_str();
    auto* admin_key = cmd->add_option("-k,--admin-key,--api-key", f->admin_key,
                                      "Admin API key (generated and stored at first start if absent; also "
                                      "TUNELY_ADMIN_API_KEY, WS_TUNNEL_ADMIN_API_KEY)")
                          ->envname("TUNELY_ADMIN_KEY");
    add_env_alias(admin_key, "TUNELY_ADMIN_API_KEY");
    add_env_alias(admin_key, "WS_TUNNEL_ADMIN_API_KEY");
    add_env_alias(cmd->add_option("--public-url", f->public_url,
                                  "Public WebSocket URL shown by /api/info (also WS_TUNNEL_WS_URL)")
                      ->envname("TUNELY_PUBLIC_URL"),
                  "WS_TUNNEL_WS_URL");
    add_env_alias(cmd->add_option("--tls-cert,--ssl-certfile", f->tls_cert,
                                  "PEM certificate chain: serve HTTPS/WSS (with --tls-key; also TUNELY_SSL_CERT_FILE)")
                      ->envname("TUNELY_TLS_CERT"),
                  "TUNELY_SSL_CERT_FILE");
    add_env_alias(cmd->add_option("--tls-key,--ssl-keyfile", f->tls_key,
                                  "PEM private key of --tls-cert (also TUNELY_SSL_KEY_FILE)")
                      ->envname("TUNELY_TLS_KEY"),
                  "TUNELY_SSL_KEY_FILE");
    add_env_alias(cmd->add_option("--cors-origins", f->cors_origins,
                                  "The original's CORS origins: not supported, a warning when set (the console is "
                                  "served from the server's own origin)")
                      ->envname("TUNELY_CORS_ORIGINS"),
                  "WS_TUNNEL_CORS_ORIGINS");
    cmd->add_flag("-v,--verbose", f->verbose, "Log at debug level (as --log-level debug)");
    config.add_option(cmd);
    config.add_section("server", cmd);
    auto* listener_cert = cmd->add_option("--listener-tls-cert", f->listener_tls_cert,
                                          "PEM certificate chain: every TCP listener (not UDP) terminates TLS, the "
                                          "tunnel's target gets the plain bytes (with --listener-tls-key; also "
                                          "WS_TUNNEL_LISTENER_TLS_CERT_FILE)")
                              ->envname("TUNELY_LISTENER_TLS_CERT");
    auto* listener_key = cmd->add_option("--listener-tls-key", f->listener_tls_key,
                                         "PEM private key of --listener-tls-cert (also WS_TUNNEL_LISTENER_TLS_KEY_FILE)")
                             ->envname("TUNELY_LISTENER_TLS_KEY");
    auto* listener_alpn = cmd->add_option("--listener-tls-alpn", f->listener_tls_alpn,
                                          "ALPN protocols the TCP listeners' TLS selects from, in order of preference "
                                          "(comma list; \"none\" or empty: no ALPN; also WS_TUNNEL_LISTENER_TLS_ALPN)")
                              ->envname("TUNELY_LISTENER_TLS_ALPN")->capture_default_str();
    cmd->add_option("--console-dir", f->console_dir, "Admin console build served at /admin/ (default: admin-console/dist)")
        ->envname("TUNELY_CONSOLE_DIR");
    cmd->add_option("--root-response-file", f->root_response_file,
                    "HTML page answered at / (at most 1 MiB; default: \"OK\" as text/plain, as the original)")
        ->envname("TUNELY_ROOT_RESPONSE_FILE");
    cmd->add_option("--request-timeout", f->request_timeout, "Seconds to wait for a response head")
        ->envname("TUNELY_REQUEST_TIMEOUT")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--ping-interval", f->ping_interval, "Seconds between heartbeats")
        ->envname("TUNELY_PING_INTERVAL")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--idle-timeout", f->idle_timeout, "Close a session silent this many seconds")
        ->envname("TUNELY_IDLE_TIMEOUT")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--auth-timeout", f->auth_timeout, "Seconds a new connection has to authenticate")
        ->envname("TUNELY_AUTH_TIMEOUT")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--v1-max-body", f->v1_max_body, "Largest body carried over protocol 1.1 (bytes)")
        ->envname("TUNELY_V1_MAX_BODY")->capture_default_str();
    cmd->add_option("--threads", f->threads,
                    "I/O threads (0: one per core). A tunnel's session and its requests run on one of them; "
                    "connections are spread over all")
        ->envname("TUNELY_THREADS")->default_str("0")->check(CLI::Range(0, 256));
    cmd->add_option("--shutdown-grace", f->shutdown_grace,
                    "Seconds a stopping server (SIGTERM/SIGINT) lets exchanges in flight finish before it closes "
                    "the sessions; a second signal stops at once")
        ->envname("TUNELY_SHUTDOWN_GRACE")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--send-timeout", f->send_timeout,
                    "Seconds one write to a caller may take (a caller that stops reading loses its connection)")
        ->envname("TUNELY_SEND_TIMEOUT")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--header-timeout", f->header_timeout,
                    "Seconds a caller has to send a complete request head after connecting or after its previous "
                    "response; then its connection is closed")
        ->envname("TUNELY_HEADER_TIMEOUT")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-streams-per-session", f->max_streams,
                    "Requests in flight per tunnel session; beyond them callers get 503")
        ->envname("TUNELY_MAX_STREAMS_PER_SESSION")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-queued-frames", f->max_queued_frames,
                    "Frames queued for a tunnel client that does not read; beyond them its session is closed")
        ->envname("TUNELY_MAX_QUEUED_FRAMES")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-queued-bytes", f->max_queued_bytes,
                    "Bytes queued for a tunnel client that does not read; beyond them its session is closed")
        ->envname("TUNELY_MAX_QUEUED_BYTES")->capture_default_str()->check(CLI::Range(std::size_t(1) << 20, std::size_t(1) << 34));
    cmd->add_option("--v1-stream-buffer", f->v1_stream_buffer,
                    "Protocol 1.1 stream bytes buffered for a slow caller; beyond them its response is cut")
        ->envname("TUNELY_V1_STREAM_BUFFER")->capture_default_str()->check(CLI::PositiveNumber);
    // Test hook (hidden): start protocol-2 stream ids near the end of their range.
    cmd->add_option("--v2-first-stream-id", f->first_stream_id)->group("");
    cmd->add_option("--auth-failures-per-minute", f->auth_failures_per_minute,
                    "Failed tunnel authentications allowed per source address and minute; beyond them the address "
                    "is refused without a database lookup for up to 60/N s (0 = no limit)")
        ->envname("TUNELY_AUTH_FAILURES_PER_MINUTE")->capture_default_str();
    cmd->add_option("--tcp-listen", f->tcp_listen,
                    "TCP listener [HOST:]PORT:DOMAIN: connections to PORT travel through tunnel DOMAIN to its "
                    "client's TCP target (repeatable; also WS_TUNNEL_TCP_LISTEN's port:domain list)")
        ->envname("TUNELY_TCP_LISTEN")->delimiter(',');
    cmd->add_option("--tcp-listen-host", f->tcp_listen_host,
                    "Address of --tcp-listen entries without a HOST (default: --host)")
        ->envname("TUNELY_TCP_LISTEN_HOST");
    cmd->add_option("--tcp-ports", f->tcp_ports,
                    "Ports LOW-HIGH the admin API may assign to tunnels (tcp_port; \"auto\" picks a free one); "
                    "listeners open and close without a restart")
        ->envname("TUNELY_TCP_PORTS");
    auto* tcp_max = cmd->add_option("--tcp-max-connections", f->tcp_max_connections,
                                    "TCP connections per tunnel, all listeners together; beyond, a new one is "
                                    "closed at once (0 = no limit)")
                        ->envname("TUNELY_TCP_MAX_CONNECTIONS")->capture_default_str();
    auto* tcp_idle = cmd->add_option("--tcp-idle-timeout", f->tcp_idle_timeout,
                                     "Close a TCP connection that carried nothing either way this many seconds "
                                     "(0 = never)")
                         ->envname("TUNELY_TCP_IDLE_TIMEOUT")->capture_default_str()->check(CLI::NonNegativeNumber);
    auto* tcp_forward_max = cmd->add_option("--tcp-forward-max-buffer", f->tcp_forward_max_buffer,
                                            "Bytes the admin API's /forward collects from a tcp tunnel's target at "
                                            "most; beyond, it answers 502 \"response too large\"")
                                ->envname("TUNELY_TCP_FORWARD_MAX_BUFFER")->capture_default_str()
                                ->check(CLI::PositiveNumber);
    cmd->add_option("--udp-listen", f->udp_listen,
                    "UDP listener [HOST:]PORT:DOMAIN: each external peer's datagrams travel through tunnel DOMAIN to "
                    "its client's UDP target (repeatable; also WS_TUNNEL_UDP_LISTEN's port:domain list)")
        ->envname("TUNELY_UDP_LISTEN")->delimiter(',');
    cmd->add_option("--udp-ports", f->udp_ports,
                    "UDP ports LOW-HIGH the admin API may assign to tunnels (udp_port; \"auto\" picks a free one); "
                    "listeners open and close without a restart")
        ->envname("TUNELY_UDP_PORTS");
    auto* udp_max = cmd->add_option("--udp-max-sessions", f->udp_max_sessions,
                                    "UDP sessions (external peers) per tunnel; beyond, a new peer's datagrams are "
                                    "dropped (0 = no limit)")
                        ->envname("TUNELY_UDP_MAX_SESSIONS")->capture_default_str();
    auto* udp_timeout = cmd->add_option("--udp-session-timeout", f->udp_session_timeout,
                                        "End a UDP session without a datagram either way this many seconds "
                                        "(0 = never)")
                            ->envname("TUNELY_UDP_SESSION_TIMEOUT")->capture_default_str()
                            ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--no-protocol-2", f->no_v2, "Speak only protocol 1.1")->envname("TUNELY_NO_PROTOCOL_2");
    cmd->add_flag("--no-request-log", f->no_request_log, "Do not record requests")->envname("TUNELY_NO_REQUEST_LOG");
    cmd->add_option("--log-retention-days", f->log_retention_days, "Delete request-log rows older than this")
        ->envname("TUNELY_LOG_RETENTION_DAYS")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--log-max-rows", f->log_max_rows, "Keep at most this many request-log rows")
        ->envname("TUNELY_LOG_MAX_ROWS")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_flag("--no-migrate", f->no_migrate, "Refuse to start on an old schema instead of migrating it")
        ->envname("TUNELY_NO_MIGRATE");
    auto* log_level = add_log_level_option(cmd, f->log_level);
    // The original's names, when ours are not set (tunely-0.12.md §2.2, §3): read by original_fallback below.
    for (auto [opt, name] : {std::pair{tcp_max, "WS_TUNNEL_TCP_MAX_CONNECTIONS"},
                             {tcp_idle, "WS_TUNNEL_TCP_IDLE_TIMEOUT"},
                             {tcp_forward_max, "WS_TUNNEL_TCP_FORWARD_MAX_BUFFER_BYTES"},
                             {udp_max, "WS_TUNNEL_UDP_MAX_SESSIONS"},
                             {udp_timeout, "WS_TUNNEL_UDP_SESSION_TIMEOUT"},
                             {listener_cert, "WS_TUNNEL_LISTENER_TLS_CERT_FILE"},
                             {listener_key, "WS_TUNNEL_LISTENER_TLS_KEY_FILE"},
                             {listener_alpn, "WS_TUNNEL_LISTENER_TLS_ALPN"}})
        add_env_alias(opt, name, true);
    cmd->callback([f, cmd, &config, &exit_code, tcp_max, tcp_idle, tcp_forward_max, udp_max, udp_timeout,
                   listener_cert, listener_key, listener_alpn, log_level] {
        apply_env_aliases(cmd);
        if (!config.apply(cmd, "server")) {
            exit_code = 2;
            return;
        }
        if (f->verbose && log_level->count() == 0) f->log_level = "debug";
        if (!f->cors_origins.empty())
            spdlog::warn("--cors-origins: this server sends no CORS headers (the admin console is served from its "
                         "own origin); ignored");
        original_fallback(tcp_max, f->tcp_max_connections);
        original_fallback(tcp_idle, f->tcp_idle_timeout);
        original_fallback(tcp_forward_max, f->tcp_forward_max_buffer);
        if (f->tcp_forward_max_buffer == 0) {  // the original's "unlimited": every buffer here has a bound
            spdlog::warn("WS_TUNNEL_TCP_FORWARD_MAX_BUFFER_BYTES=0 (no limit) is not supported; {} bytes apply",
                         server_flags{}.tcp_forward_max_buffer);
            f->tcp_forward_max_buffer = server_flags{}.tcp_forward_max_buffer;
        }
        original_fallback(udp_max, f->udp_max_sessions);
        original_fallback(udp_timeout, f->udp_session_timeout);
        original_fallback(listener_cert, f->listener_tls_cert);
        original_fallback(listener_key, f->listener_tls_key);
        original_fallback(listener_alpn, f->listener_tls_alpn);
        exit_code = run_server(*f);
    });
}

}  // namespace tunely::app
