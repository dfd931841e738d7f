#include "target_pool.hpp"

#include <boost/url.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "tunely/core/error.hpp"

namespace tunely::client {
namespace beast = boost::beast;

result<target_address> parse_target_url(std::string_view url) {
    auto u = boost::urls::parse_uri(url);
    if (!u || u->scheme() != "http" || u->host().empty()) return make_error_code(error::invalid_field);
    target_address a;
    a.host = u->host();
    if (a.host.size() > 2 && a.host.front() == '[') a.host = a.host.substr(1, a.host.size() - 2);
    a.port = u->has_port() ? std::string(u->port()) : "80";
    a.base_path = std::string(u->encoded_path());
    if (a.base_path == "/") a.base_path.clear();
    while (!a.base_path.empty() && a.base_path.back() == '/') a.base_path.pop_back();
    a.host_header = std::string(u->encoded_host_and_port());
    return a;
}

result<host_port> parse_host_port(std::string_view text) {
    const auto bad = make_error_code(error::invalid_field);
    std::string_view host, port;
    if (text.starts_with('[')) {  // an IPv6 address: "[::1]:22"
        auto close = text.find(']');
        if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return bad;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(std::string(host), ec);
        if (ec) return bad;
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return bad;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        // A name or an IPv4 address; an IPv6 address needs its brackets (its colons would be ambiguous).
        auto name_char = [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                   c == '.' || c == '_';
        };
        if (!std::all_of(host.begin(), host.end(), name_char)) return bad;
    }
    if (host.empty() || port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return bad;
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return bad;
    return host_port{std::string(host), std::to_string(number)};
}

result<host_port> raw_target_of(std::string_view configured, std::string_view target_url) {
    if (!configured.empty()) return parse_host_port(configured);
    auto u = boost::urls::parse_uri(target_url);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty())
        return make_error_code(error::invalid_field);
    host_port out;
    out.host = u->host();
    if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
    if (u->has_port() && !u->port().empty()) out.port = std::string(u->port());
    else out.port = u->scheme() == "https" ? "443" : "80";
    return out;
}

result<host_port> tcp_target_of(const client_options& options) {
    return raw_target_of(options.tcp_target, options.target_url);
}

result<host_port> udp_target_of(const client_options& options) {
    return raw_target_of(options.udp_target, options.target_url);
}

namespace {

// An idle keep-alive connection is reusable only if the target has neither
// closed it (recv → 0) nor sent anything unsolicited (recv > 0).
bool still_open(beast::tcp_stream& c) {
    if (!c.socket().is_open()) return false;
    char byte;
    auto n = ::recv(c.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

target_pool::target_pool(const executor& ex, target_address address, host_port tcp_target, host_port udp_target,
                         std::size_t max_idle)
    : ex_(ex),
      address_(std::move(address)),
      tcp_target_(std::move(tcp_target)),
      udp_target_(std::move(udp_target)),
      max_idle_(max_idle),
      resolver_(ex) {}

awaitable<result<target_pool::connection>> target_pool::acquire(std::chrono::milliseconds connect_timeout) {
    while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (still_open(*c)) co_return c;
    }
    co_return co_await connect_new(connect_timeout);
}

awaitable<result<target_pool::connection>> target_pool::connect_new(std::chrono::milliseconds connect_timeout) {
    auto c = std::make_unique<beast::tcp_stream>(ex_);
    if (auto ec = co_await connect(*c, address_.host, address_.port, connect_timeout)) co_return std::error_code(ec);
    co_return c;
}

awaitable<boost::system::error_code> target_pool::connect_tcp(beast::tcp_stream& c,
                                                              std::chrono::milliseconds connect_timeout) {
    co_return co_await connect(c, tcp_target_.host, tcp_target_.port, connect_timeout);
}

awaitable<boost::system::error_code> target_pool::connect_udp(asio::ip::udp::socket& s) {
    asio::ip::udp::resolver resolver(ex_);
    auto [rec, endpoints] = co_await resolver.async_resolve(udp_target_.host, udp_target_.port, as_tuple_awaitable);
    if (rec) co_return rec;
    if (endpoints.empty()) co_return asio::error::host_not_found;
    // The first address, as the original does: a UDP connect sends nothing, so there is nothing to fall back on.
    const auto endpoint = endpoints.begin()->endpoint();
    boost::system::error_code ec;
    if (s.is_open()) s.close(ec);
    s.open(endpoint.protocol(), ec);
    if (!ec) s.connect(endpoint, ec);
    co_return ec;
}

awaitable<boost::system::error_code> target_pool::connect(beast::tcp_stream& c, const std::string& host,
                                                          const std::string& port,
                                                          std::chrono::milliseconds connect_timeout) {
    auto [rec, endpoints] = co_await resolver_.async_resolve(host, port, as_tuple_awaitable);
    if (rec) co_return rec;
    c.expires_after(connect_timeout);
    auto [cec, ep] = co_await c.async_connect(endpoints, as_tuple_awaitable);
    (void)ep;
    c.expires_never();
    if (cec) co_return cec;
    boost::system::error_code ignored;  // a connection reset already shows on the first read or write
    c.socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    co_return boost::system::error_code();
}

void target_pool::release(connection c) {
    if (!c || idle_.size() >= max_idle_) return;
    idle_.push_back(std::move(c));
}

}  // namespace tunely::client
