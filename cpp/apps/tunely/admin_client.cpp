#include "admin_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>

#include <stdexcept>

namespace tunely::app {
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;

namespace {

// One request and its response on a connected stream (plain or TLS).
template <class Stream>
admin_reply exchange(Stream& stream, http::request<http::string_body>& req) {
    boost::system::error_code ec;
    http::write(stream, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(stream, buffer, res, ec);
    if (ec) throw std::runtime_error("admin API request failed: " + ec.message());
    return {res.result_int(), res.body()};
}

// The system's CAs plus --ca-file, the host name checked; --insecure checks nothing.
ssl::context tls_context(const admin_target& t, const std::string& host) {
    ssl::context context(ssl::context::tls_client);
    boost::system::error_code ec;
    context.set_default_verify_paths(ec);
    if (!t.ca_file.empty()) {
        context.load_verify_file(t.ca_file, ec);
        if (ec) throw std::runtime_error("cannot read --ca-file " + t.ca_file + ": " + ec.message());
    }
    context.set_verify_mode(t.insecure ? ssl::verify_none : ssl::verify_peer);
    if (!t.insecure) context.set_verify_callback(ssl::host_name_verification(host));
    return context;
}

}  // namespace

admin_reply admin_request(const admin_target& t, const std::string& method, const std::string& path,
                          const std::string& body) {
    auto u = boost::urls::parse_uri(t.server_url);
    const auto scheme = u ? std::string(u->scheme()) : std::string();
    const bool tls = scheme == "https" || scheme == "wss";
    if (!u || (!tls && scheme != "http" && scheme != "ws") || u->host().empty())
        throw std::runtime_error("invalid server URL '" + t.server_url + "' (expected http[s]://host[:port])");
    std::string host = u->host();
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);  // an IPv6 literal
    std::string port = u->has_port() ? std::string(u->port()) : tls ? "443" : "80";
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(host, port, ec);
    if (!ec) stream.connect(endpoints, ec);
    if (ec) throw std::runtime_error("cannot reach " + t.server_url + ": " + ec.message());
    http::request<http::string_body> req{http::string_to_verb(method), path, 11};
    req.set(http::field::host, u->encoded_host_and_port());
    req.set(http::field::user_agent, "tunely-cli");
    if (!t.admin_key.empty()) req.set("x-api-key", t.admin_key);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    if (!tls) return exchange(stream, req);

    auto context = tls_context(t, host);
    beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), context);
    if (!SSL_set_tlsext_host_name(secure.native_handle(), host.c_str()))  // SNI
        throw std::runtime_error("cannot set the TLS server name " + host);
    secure.handshake(ssl::stream_base::client, ec);
    if (ec) {
        std::string hint = ec.category() == boost::asio::error::get_ssl_category() && !t.insecure
                               ? " (a private CA: --ca-file; testing only: --insecure)"
                               : "";
        throw std::runtime_error("TLS handshake with " + t.server_url + " failed: " + ec.message() + hint);
    }
    return exchange(secure, req);
}

}  // namespace tunely::app
