#include "server_connection.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url.hpp>

#include "tunely/core/error.hpp"
#include "tunely/transport/ws_channel_impl.hpp"

namespace tunely::client {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = boost::asio::ssl;

result<server_address> parse_server_url(std::string_view url) {
    auto u = boost::urls::parse_uri(url);
    if (!u || u->host().empty()) return make_error_code(error::invalid_field);
    server_address a;
    if (u->scheme() == "wss" || u->scheme() == "https") a.tls = true;
    else if (u->scheme() != "ws" && u->scheme() != "http") return make_error_code(error::invalid_field);
    a.host = u->host();
    if (a.host.size() > 2 && a.host.front() == '[') a.host = a.host.substr(1, a.host.size() - 2);
    a.port = u->has_port() ? std::string(u->port()) : (a.tls ? "443" : "80");
    a.path = u->encoded_path().empty() ? "/ws/tunnel" : std::string(u->encoded_path());
    a.host_header = std::string(u->encoded_host_and_port());
    return a;
}

namespace {

// The WebSocket handshake and settings shared by both transports.
template <class NextLayer>
awaitable<std::shared_ptr<transport::ws_channel>> finish_websocket(websocket::stream<NextLayer> ws,
                                                                   const server_address& server,
                                                                   const client_options& options, std::string& reason) {
    ws.set_option(websocket::stream_base::decorator([v = options.client_version](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, "tunely-client/" + v);
    }));
    auto [hec] = co_await ws.async_handshake(server.host_header, server.path, as_tuple_awaitable);
    if (hec) {
        reason = "WebSocket handshake failed: " + hec.message();
        co_return nullptr;
    }
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws.set_option(t);
    co_return std::make_shared<transport::ws_channel_impl<NextLayer>>(std::move(ws), server.host_header);
}

}  // namespace

result<std::shared_ptr<ssl::context>> make_tls_context(const server_address& server, const client_options& options,
                                                      std::string& problem) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    context->set_default_verify_paths(ec);
    if (!options.ca_file.empty()) {
        context->load_verify_file(options.ca_file, ec);
        if (ec) {
            problem = "cannot read --ca-file " + options.ca_file + ": " + ec.message();
            return make_error_code(error::invalid_field);
        }
    }
    context->set_verify_mode(options.insecure ? ssl::verify_none : ssl::verify_peer);
    if (!options.insecure) context->set_verify_callback(ssl::host_name_verification(server.host));
    return context;
}

awaitable<std::shared_ptr<transport::ws_channel>> open_server_channel(const executor& ex, const server_address& server,
                                                                      std::shared_ptr<ssl::context> context,
                                                                      const client_options& options,
                                                                      std::string& reason) {
    boost::asio::ip::tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(server.host, server.port, as_tuple_awaitable);
    if (rec) {
        reason = "cannot resolve " + server.host + ": " + rec.message();
        co_return nullptr;
    }
    beast::tcp_stream tcp(ex);
    tcp.expires_after(options.connect_timeout);  // covers connect and both handshakes
    auto [cec, ep] = co_await tcp.async_connect(endpoints, as_tuple_awaitable);
    (void)ep;
    if (cec) {
        reason = "cannot connect to " + server.host_header + ": " + cec.message();
        co_return nullptr;
    }
    tcp.socket().set_option(boost::asio::ip::tcp::no_delay(true));
    if (!context) co_return co_await finish_websocket(websocket::stream<beast::tcp_stream>(std::move(tcp)), server,
                                                         options, reason);

    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *context);
    if (!SSL_set_tlsext_host_name(tls.native_handle(), server.host.c_str())) {  // SNI
        reason = "cannot set the TLS server name " + server.host;
        co_return nullptr;
    }
    auto [tec] = co_await tls.async_handshake(ssl::stream_base::client, as_tuple_awaitable);
    if (tec) {
        reason = "TLS handshake with " + server.host_header + " failed: " + tec.message();
        if (tec.category() == boost::asio::error::get_ssl_category() && !options.insecure)
            reason += " (a private CA: --ca-file; testing only: --insecure)";
        co_return nullptr;
    }
    auto channel = co_await finish_websocket(websocket::stream<beast::ssl_stream<beast::tcp_stream>>(std::move(tls)),
                                             server, options, reason);
    if (!channel) co_return nullptr;
    // The TLS stream refers to its context: the context must outlive the channel
    // (members are destroyed in reverse order: the channel first).
    struct tls_channel {
        std::shared_ptr<ssl::context> context;
        std::shared_ptr<transport::ws_channel> channel;
    };
    auto held = std::make_shared<tls_channel>(tls_channel{std::move(context), std::move(channel)});
    co_return std::shared_ptr<transport::ws_channel>(held, held->channel.get());
}

}  // namespace tunely::client
