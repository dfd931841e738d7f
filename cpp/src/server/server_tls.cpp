#include "tunely/server/server_tls.hpp"

#include <boost/asio/ssl/error.hpp>

namespace tunely::server {
namespace ssl = boost::asio::ssl;

std::optional<ssl::context> load_tls_server_context(const tls_pem_files& files, std::string_view cert_option,
                                                    std::string_view key_option, std::string& problem) {
    problem.clear();
    if (files.cert.empty() && files.key.empty()) return std::nullopt;
    if (files.cert.empty() || files.key.empty()) {
        problem = std::string(cert_option) + " and " + std::string(key_option) + " go together";
        return std::nullopt;
    }
    ssl::context context(ssl::context::tls_server);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    context.use_certificate_chain_file(files.cert, ec);
    if (ec) {
        problem = std::string(cert_option) + " " + files.cert + ": " + ec.message();
        return std::nullopt;
    }
    // (OpenSSL checks here that the key is the certificate's.)
    context.use_private_key_file(files.key, ssl::context::pem, ec);
    if (ec) {
        problem = std::string(key_option) + " " + files.key + ": " + ec.message();
        return std::nullopt;
    }
    return context;
}

awaitable<boost::system::error_code> accept_tls(tls_stream& stream) {
    auto& tcp = boost::beast::get_lowest_layer(stream);
    tcp.expires_after(tls_handshake_timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, as_tuple_awaitable);
    tcp.expires_never();
    co_return ec;
}

awaitable<void> close_tls(tls_stream& stream) {
    auto& tcp = boost::beast::get_lowest_layer(stream);
    if (!tcp.socket().is_open()) co_return;
    tcp.expires_after(tls_close_timeout);
    auto [ec] = co_await stream.async_shutdown(as_tuple_awaitable);
    (void)ec;  // the peer's manners do not matter any more: the connection closes either way
    tcp.expires_never();
}

}  // namespace tunely::server
