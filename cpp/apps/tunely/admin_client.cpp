#include "admin_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url.hpp>

#include <stdexcept>

namespace tunely::app {
namespace beast = boost::beast;
namespace http = beast::http;

admin_reply admin_request(const std::string& server_url, const std::string& admin_key, const std::string& method,
                          const std::string& path, const std::string& body) {
    auto u = boost::urls::parse_uri(server_url);
    if (!u || (u->scheme() != "http" && u->scheme() != "ws") || u->host().empty())
        throw std::runtime_error("invalid server URL '" + server_url + "' (expected http://host:port)");
    std::string host = u->host();
    std::string port = u->has_port() ? std::string(u->port()) : "80";
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(host, port, ec);
    if (!ec) stream.connect(endpoints, ec);
    if (ec) throw std::runtime_error("cannot reach " + server_url + ": " + ec.message());
    http::request<http::string_body> req{http::string_to_verb(method), path, 11};
    req.set(http::field::host, u->encoded_host_and_port());
    req.set(http::field::user_agent, "tunely-cli");
    if (!admin_key.empty()) req.set("x-api-key", admin_key);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(stream, buffer, res, ec);
    if (ec) throw std::runtime_error("admin API request failed: " + ec.message());
    return {res.result_int(), res.body()};
}

}  // namespace tunely::app
